"""peewee_pkg: uses an added package whose C extensions need a C library,
peewee (Debian's python3-peewee: playhouse._sqlite_ext and
playhouse._sqlite_udf, Cython modules built for wasm32-wasi from Debian's
source by `faaslet python add-package python3-peewee` and linked into the
Python module with the sqlite3 library the Python build has for wasm).

Output: "peewee_pkg: 2 compiled modules, <checks> checks ok"; returns 0
(1 when a check fails).
"""
import sys

from playhouse import _sqlite_ext, _sqlite_udf
from playhouse.sqlite_ext import CSqliteExtDatabase
import peewee
from pyfaasm.core import write_output

db = CSqliteExtDatabase(":memory:", c_extensions=True, hash_functions=True)


class Note(peewee.Model):
    title = peewee.CharField()
    stars = peewee.IntegerField()

    class Meta:
        database = db


def faasm_main():
    compiled = [m for m in (_sqlite_ext, _sqlite_udf) if getattr(m, "__file__", "") == "built-in"]
    db.connect()
    db.create_tables([Note])
    Note.insert_many([("wasm", 5), ("faaslet", 4), ("python", 3)],
                     fields=[Note.title, Note.stars]).execute()
    murmur = db.execute_sql("select murmurhash('faaslet')").fetchone()[0]
    bloom = _sqlite_ext.BloomFilter(64)
    bloom.add(b"wasm")
    checks = [
        Note.select(peewee.fn.SUM(Note.stars)).scalar() == 12,
        [n.title for n in Note.select().where(Note.stars > 3).order_by(Note.title)] == ["faaslet", "wasm"],
        murmur == _sqlite_ext.peewee_murmurhash("faaslet") and isinstance(murmur, int),
        b"wasm" in bloom and b"java" not in bloom,
        _sqlite_udf.levenshtein_dist("kitten", "sitting") == 3,
        _sqlite_udf.damerau_levenshtein_dist("ab", "ba") == 1,
    ]
    ok = len(compiled) == 2 and all(checks)
    write_output("peewee_pkg: {} compiled modules, {} checks {}".format(
        len(compiled), sum(checks), "ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(faasm_main())
