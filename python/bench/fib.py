"""fib: recursion and small-int arithmetic (function calls dominate).
usage: fib.py [N]  prints "fib(N) = F" and "time S" (the kernel only)."""
import sys
import time


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


n = int(sys.argv[1]) if len(sys.argv) > 1 else 33
t0 = time.perf_counter()
r = fib(n)
t = time.perf_counter() - t0
print("fib({}) = {}".format(n, r))
print("time {:.6f}".format(t))
