"""pyfaasm.config: the matrix layout of Faasm's distributed matrix
multiplication (pyfaasm.matrix, which needs numpy, is not shipped here).

Square matrices of 8-byte floats are split n_splits times into quadrants;
each submatrix is stored contiguously in one state value, row of
submatrices after row of submatrices.  set_up_config fills MatrixConf;
get_submatrix_byte_offset says where a submatrix starts.  Same names and
results as Faasm's pyfaasm.config.
"""

__all__ = [
    "NP_ELEMENT_SIZE", "SUBMATRICES_KEY_A", "SUBMATRICES_KEY_B",
    "RESULT_MATRIX_KEY", "MATRIX_CONF_STATE_KEY", "MatrixConf",
    "set_up_config", "get_submatrix_byte_offset",
]

# Bytes per element: numpy's float64.
NP_ELEMENT_SIZE = 8

# The state keys Faasm's matrix functions use.
SUBMATRICES_KEY_A = "submatrices_a"
SUBMATRICES_KEY_B = "submatrices_b"
RESULT_MATRIX_KEY = "result_matrix"
MATRIX_CONF_STATE_KEY = "matrix_state"


class MatrixConf:
    """The current layout, as class attributes (set by set_up_config)."""
    initialised = False
    matrix_size = 0
    n_splits = 0
    bytes_per_matrix = 0
    submatrices_per_row = 0
    quadrants_per_row = 0
    submatrix_size = 0
    bytes_per_submatrix = 0


def set_up_config(matrix_size, n_splits):
    """Lays out matrix_size x matrix_size matrices split n_splits times:
    2**n_splits submatrices per row, each matrix_size // 2**n_splits wide."""
    per_row = 2 ** n_splits
    sub = matrix_size // per_row
    MatrixConf.matrix_size = matrix_size
    MatrixConf.n_splits = n_splits
    MatrixConf.bytes_per_matrix = matrix_size * matrix_size * NP_ELEMENT_SIZE
    MatrixConf.submatrices_per_row = per_row
    # with no split there is no quadrant level (Faasm gives 2**-1 = 0.5)
    MatrixConf.quadrants_per_row = 2 ** (n_splits - 1)
    MatrixConf.submatrix_size = sub
    MatrixConf.bytes_per_submatrix = sub * sub * NP_ELEMENT_SIZE


def get_submatrix_byte_offset(row_idx, col_idx):
    """Where submatrix (row_idx, col_idx) starts in the stored byte array."""
    row_bytes = MatrixConf.bytes_per_submatrix * MatrixConf.submatrices_per_row
    return row_idx * row_bytes + col_idx * MatrixConf.bytes_per_submatrix
