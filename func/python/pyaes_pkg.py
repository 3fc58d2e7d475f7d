"""pyaes_pkg: uses an added package, pyaes (Debian's python3-pyaes),
installed into the runtime root with `faaslet python add-package
python3-pyaes`.  Checks AES-128 against the FIPS-197 appendix C.1 test
vector, then a CTR-mode round trip of a longer message.

Output: "pyaes_pkg: AES-128 FIPS-197 ok, CTR round trip ok"; returns 0
(1 when a check fails, with "FAILED" in place of "ok").
"""
import sys

import pyaes

from pyfaasm.core import write_output

KEY = bytes(range(16))
PLAIN = bytes.fromhex("00112233445566778899aabbccddeeff")
CIPHER = bytes.fromhex("69c4e0d86a7b0430d8cdb78070b4c55a")


def faasm_main():
    aes = pyaes.AES(KEY)
    block_ok = (bytes(aes.encrypt(list(PLAIN))) == CIPHER and
                bytes(aes.decrypt(list(CIPHER))) == PLAIN)
    msg = b"faaslet runs CPython in WebAssembly " * 8
    enc = pyaes.AESModeOfOperationCTR(KEY).encrypt(msg)
    dec = pyaes.AESModeOfOperationCTR(KEY).decrypt(enc)
    ctr_ok = enc != msg and dec == msg
    write_output("pyaes_pkg: AES-128 FIPS-197 {}, CTR round trip {}".format(
        "ok" if block_ok else "FAILED", "ok" if ctr_ok else "FAILED"))
    return 0 if block_ok and ctr_ok else 1


if __name__ == "__main__":
    sys.exit(faasm_main())
