"""fail: raises, so its call fails.

The call fails (return value 1); its output and stderr hold the traceback,
ending in "ValueError: fail.py fails on purpose".
"""
import sys


def check(n):
    if n > 2:
        raise ValueError("fail.py fails on purpose")
    return check(n + 1)


def faasm_main():
    check(0)
    return 0


if __name__ == "__main__":
    sys.exit(faasm_main())
