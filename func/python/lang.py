"""lang: the language and the standard library at work inside py_func.

Classes and inheritance, closures, generators, exceptions, decimal, json,
re, hashlib, pickle, zlib, each checked against a known result.
Output: "lang: all 10 checks passed"; returns 0.  Otherwise the output
names the failed checks and the call returns 1.
"""
import decimal
import hashlib
import json
import pickle
import re
import sys
import zlib

from pyfaasm.core import write_output


class Shape:
    def area(self):
        raise NotImplementedError

    def __lt__(self, other):
        return self.area() < other.area()


class Rect(Shape):
    def __init__(self, w, h):
        self.w, self.h = w, h

    def area(self):
        return self.w * self.h


class Square(Rect):
    def __init__(self, side):
        super().__init__(side, side)


def check_classes():
    shapes = sorted([Rect(2, 5), Square(3), Rect(1, 1)])
    return [s.area() for s in shapes] == [1, 9, 10] and isinstance(shapes[1], Rect)


def check_closures():
    def counter():
        n = 0

        def bump(k=1):
            nonlocal n
            n += k
            return n
        return bump
    a, b = counter(), counter()
    a(), a(5), b()
    return a() == 7 and b() == 2


def check_generators():
    def fib():
        x, y = 0, 1
        while True:
            yield x
            x, y = y, x + y

    def take(n, it):
        for _, v in zip(range(n), it):
            yield v
    evens = [v for v in take(30, fib()) if v % 2 == 0]
    return evens[-1] == 196418 and sum(x * x for x in range(100)) == 328350


class AppError(Exception):
    pass


def check_exceptions():
    log = []
    try:
        try:
            {}["missing"]
        except KeyError as e:
            raise AppError("wrapped") from e
        finally:
            log.append("finally")
    except AppError as e:
        log.append(type(e.__cause__).__name__)
    try:
        1 / 0
    except ZeroDivisionError:
        log.append("zero")
    return log == ["finally", "KeyError", "zero"]


def check_decimal():
    decimal.getcontext().prec = 50
    third = decimal.Decimal(1) / decimal.Decimal(3)
    return (str(third)[:12] == "0.3333333333" and
            decimal.Decimal("0.1") + decimal.Decimal("0.2") == decimal.Decimal("0.3"))


def check_json():
    doc = {"name": "faaslet", "list": [1, 2.5, None, True], "nested": {"a": "é"}}
    text = json.dumps(doc, sort_keys=True)
    return json.loads(text) == doc and text.startswith('{"list": [1, 2.5, null, true]')


def check_re():
    m = re.findall(r"(\w+)@(\w+)\.org", "ann@python.org, bob@faasm.org; x@y.com")
    return m == [("ann", "python"), ("bob", "faasm")] and re.sub(r"\d+", "#", "a1b22") == "a#b#"


def check_hashlib():
    return (hashlib.sha256(b"abc").hexdigest().startswith("ba7816bf8f01cfea") and
            hashlib.md5(b"").hexdigest() == "d41d8cd98f00b204e9800998ecf8427e")


def check_pickle():
    obj = {"square": Square(4), "data": [1, (2, 3), {4}, b"\x00"], "n": 2 ** 100}
    back = pickle.loads(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
    return back["square"].area() == 16 and back["data"] == obj["data"] and back["n"] == 2 ** 100


def check_zlib():
    data = b"faaslet runs Python " * 1000
    packed = zlib.compress(data, 9)
    return len(packed) < 200 and zlib.decompress(packed) == data and \
        zlib.crc32(b"hello") == 907060870


CHECKS = [check_classes, check_closures, check_generators, check_exceptions,
          check_decimal, check_json, check_re, check_hashlib, check_pickle, check_zlib]


def faasm_main():
    failed = []
    for check in CHECKS:
        try:
            ok = check()
        except Exception as e:  # a check that raises has failed
            ok = False
            print("{}: {!r}".format(check.__name__, e), file=sys.stderr)
        if not ok:
            failed.append(check.__name__[len("check_"):])
    if failed:
        write_output("lang: failed: " + ", ".join(failed))
        return 1
    write_output("lang: all {} checks passed".format(len(CHECKS)))
    return 0


if __name__ == "__main__":
    sys.exit(faasm_main())
