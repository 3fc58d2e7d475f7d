"""pidigits: big integers, the spigot algorithm of the Benchmarks Game's
pidigits (Gibbons' unbounded spigot) with Python's own ints.
usage: pidigits.py [N]  prints the last digits and a digit sum, "time S"."""
import sys
import time


def pidigits(n):
    digits = []
    k, n1, a, d, t, u = 0, 4, 0, 1, 0, 0
    nd = 1
    while len(digits) < n:
        k += 1
        t = nd << 1
        nd *= k
        a += t
        k1 = 2 * k + 1
        a *= k1
        d *= k1
        if a >= nd:
            t, u = divmod(nd * 3 + a, d)
            u += nd
            if d > u:
                digits.append(t)
                nd *= 10
                a -= d * t
                a *= 10
    return digits


n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
t0 = time.perf_counter()
ds = pidigits(n)
t = time.perf_counter() - t0
print("pidigits({}) first {} last {} sum {}".format(
    n, "".join(map(str, ds[:10])), "".join(map(str, ds[-10:])), sum(ds)))
print("time {:.6f}".format(t))
