"""pyfaasm_config: pyfaasm.config's matrix layout, with Faasm's names.

Output: "pyfaasm_config: 16 per row, 128 bytes each, (2, 3) at 4480"; status 0.
"""
from pyfaasm.config import (
    MatrixConf,
    RESULT_MATRIX_KEY,
    get_submatrix_byte_offset,
    set_up_config,
)
from pyfaasm.core import write_output


def faasm_main():
    set_up_config(64, 4)
    assert RESULT_MATRIX_KEY == "result_matrix"
    assert MatrixConf.bytes_per_matrix == 64 * 64 * 8
    assert MatrixConf.quadrants_per_row == 8
    msg = "pyfaasm_config: {} per row, {} bytes each, (2, 3) at {}".format(
        MatrixConf.submatrices_per_row,
        MatrixConf.bytes_per_submatrix,
        get_submatrix_byte_offset(2, 3),
    )
    write_output(msg.encode())
