"""sys_exit_one: sys.exit(1) in a script (no faasm_main), after output.

Output: "sys_exit_one: output set before sys.exit(1)"; status 1.
"""
import sys

from pyfaasm.core import write_output

write_output(b"sys_exit_one: output set before sys.exit(1)")
sys.exit(1)
