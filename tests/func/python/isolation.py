"""isolation: a call must not see anything an earlier call left behind.

Run twice on one runtime (`faaslet run isolation.py --repeat 2`): each call
first looks for every trace the calls before it would leave, then leaves
them all: a module-level variable of this module, a global in a module the
zygote imported (pyfaasm.core) and in one it did not (json), an attribute
on sys and one in builtins, an environment variable, a file in /tmp and an
fd left open on that file.  On a Faaslet reset to its snapshot after every
call (or a fresh one) every call prints "isolation: clean"; a call that
sees a trace names it instead ("isolation: saw sys attribute, ...").
Returns 0.
"""
import builtins
import json
import os
import sys

import pyfaasm.core
from pyfaasm.core import write_output

SECRET = "isolation-secret"
TMP_FILE = "/tmp/isolation_secret"

# A module-level variable.  py_func runs this code again in module
# `function` on every call; in a Python an earlier call left behind, the
# module's dict (and so this list) would be that call's.
if "MODULE_STATE" not in globals():
    MODULE_STATE = []


def secret_fd_open():
    """Whether an fd from 3 to 255 is open on a file holding SECRET."""
    for fd in range(3, 256):
        try:
            if os.pread(fd, len(SECRET), 0) == SECRET.encode():
                return True
        except OSError:  # not open, or a directory
            continue
    return False


def faasm_main():
    seen = []
    if secret_fd_open():
        seen.append("open fd")
    if MODULE_STATE:
        seen.append("module variable")
    if hasattr(pyfaasm.core, "_isolation_secret"):
        seen.append("pyfaasm.core global")
    if hasattr(json, "_isolation_secret"):
        seen.append("json global")
    if hasattr(sys, "_isolation_secret"):
        seen.append("sys attribute")
    if hasattr(builtins, "_isolation_secret"):
        seen.append("builtins attribute")
    if os.environ.get("ISOLATION_SECRET") or os.getenv("ISOLATION_SECRET"):
        seen.append("environment variable")
    if os.path.exists(TMP_FILE):
        seen.append("/tmp file")

    # leave every trace for the next call
    MODULE_STATE.append(SECRET)
    pyfaasm.core._isolation_secret = SECRET
    json._isolation_secret = SECRET
    sys._isolation_secret = SECRET
    builtins._isolation_secret = SECRET
    os.environ["ISOLATION_SECRET"] = SECRET
    with open(TMP_FILE, "w") as f:
        f.write(SECRET)
    sys._isolation_fd = os.open(TMP_FILE, os.O_RDONLY)  # left open

    verdict = "clean" if not seen else "saw " + ", ".join(seen)
    write_output("isolation: " + verdict)
    return 0
