"""dictstr: dict and string work: build words, count them in a dict, join,
split, format and hash strings.
usage: dictstr.py [N]  prints a checksum line and "time S" (the kernel only)."""
import sys
import time


def run(n):
    counts = {}
    total = 0
    for i in range(n):
        w = "w{:x}-{}".format(i * 2654435761 % 4093, i % 7)
        counts[w] = counts.get(w, 0) + 1
        if i % 16 == 0:
            s = ",".join([w, w[::-1], w.upper(), str(i)])
            total += len(s.split(",")) + len(s.replace("W", "vv")) + s.count("-")
    keys = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    for k, v in keys[:100]:
        total += v * len(k)
    return len(counts), total


n = int(sys.argv[1]) if len(sys.argv) > 1 else 800000
t0 = time.perf_counter()
r = run(n)
t = time.perf_counter() - t0
print("dictstr({}) = {} keys, checksum {}".format(n, r[0], r[1]))
print("time {:.6f}".format(t))
