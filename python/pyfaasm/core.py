"""pyfaasm.core: Faasm's Python API, both generations of names.

Every function here is a thin wrapper of the built-in module _pyfaasm,
itself one call of an env.__faasm_* host import.  Inputs, outputs and state
values are bytes and binary-safe (Faasm's read_input stopped at the first
NUL byte; this one does not).  Keys and function names are str.

Current names: get_input_len, read_input, write_output, read_state_size,
read_state, read_state_offset, write_state, write_state_offset, push_state,
push_state_partial, pull_state, chain, await_call.
Paper-era names: get_input, set_output, get_state_size, get_state,
get_state_offset, set_state, set_state_offset, chain_this_with_input.
Oldest (camelCase) names: getInput, setOutput, getState, getStateOffset,
setState, setStateOffset, pushState, pullState.
Added (Faasm never wrapped them): await_call_output, append_state,
read_appended_state, clear_appended_state, the state locks.

Local mode, as in Faasm's pyfaasm (for running a function's file outside
Faasm): PYTHON_LOCAL_CHAINING (from the environment variable of that name,
or set_local_chaining) makes chain_this_with_input call the function
directly and await_call return 0; PYTHON_LOCAL_OUTPUT (likewise, or
set_local_input_output) makes set_output keep the output for get_output
instead of setting the call's output.
"""

import contextlib
import os

import _pyfaasm

PYTHON_LOCAL_CHAINING = bool(os.environ.get("PYTHON_LOCAL_CHAINING"))
PYTHON_LOCAL_OUTPUT = bool(os.environ.get("PYTHON_LOCAL_OUTPUT"))

_local_output = None

__all__ = [
    # input, output, chaining
    "get_input_len", "read_input", "write_output", "chain", "chain_named",
    "await_call", "await_call_output", "await_call_result",
    "get_input", "set_output", "chain_this_with_input",
    # state
    "read_state_size", "read_state", "read_state_offset", "read_state_ptr",
    "write_state", "write_state_offset", "push_state", "push_state_partial",
    "push_state_partial_mask", "pull_state", "flag_state_dirty",
    "flag_state_offset_dirty", "append_state", "read_appended_state",
    "clear_appended_state", "write_state_from_file",
    "get_state_size", "get_state", "get_state_offset", "set_state",
    "set_state_offset",
    # locks
    "lock_state_read", "unlock_state_read", "lock_state_write",
    "unlock_state_write", "state_read_lock", "state_write_lock",
    # the call itself
    "get_py_user", "get_py_func", "get_py_entry", "conf_flag",
    # local mode
    "PYTHON_LOCAL_CHAINING", "PYTHON_LOCAL_OUTPUT", "set_local_chaining",
    "set_local_input_output", "get_output",
    # oldest names
    "getInput", "setOutput", "getState", "getStateOffset", "setState",
    "setStateOffset", "pushState", "pullState",
]


def _entry_name(func):
    """The entry point name for a chained call: a function or its name."""
    if isinstance(func, str):
        return func
    return func.__name__


# ---- Input and output ----

def get_input_len():
    """Size of this call's input in bytes."""
    return _pyfaasm.get_input_len()


def read_input(input_len=None):
    """This call's input as bytes: the first input_len bytes, or all."""
    return _pyfaasm.read_input(-1 if input_len is None else input_len)


def write_output(output):
    """Sets this call's output (bytes-like; str is encoded as UTF-8).  In
    local output mode the output is kept for get_output instead."""
    if isinstance(output, str):
        output = output.encode()
    if PYTHON_LOCAL_OUTPUT:
        global _local_output
        _local_output = output
        return
    _pyfaasm.write_output(output)


def get_input():
    """Paper-era name: the whole input as bytes."""
    return _pyfaasm.read_input(-1)


def set_output(output):
    """Paper-era name of write_output."""
    write_output(output)


# ---- Chaining ----

def chain(func, input_bytes=b""):
    """Chains func (a function of this same file, or its name) with
    input_bytes as its one argument; returns the call id."""
    return _pyfaasm.chain_py(_entry_name(func), input_bytes)


def chain_this_with_input(func, input_bytes=b""):
    """Paper-era name of chain; in local chaining mode, calls func(input)
    here and now and returns 0."""
    if PYTHON_LOCAL_CHAINING:
        func(input_bytes)
        return 0
    return chain(func, input_bytes)


def chain_named(name, input_bytes=b""):
    """Chains another function of the same user by name; returns the call id."""
    return _pyfaasm.chain_name(name, input_bytes)


def await_call(call_id):
    """Waits for a chained call; returns its return value (0 is success).
    In local chaining mode the call already ran: 0."""
    if PYTHON_LOCAL_CHAINING:
        return 0
    return _pyfaasm.await_call(call_id)


def await_call_output(call_id):
    """Waits for a chained call; returns its output as bytes."""
    return _pyfaasm.await_call_output(call_id)[1]


def await_call_result(call_id):
    """Waits for a chained call; returns (return value, output bytes)."""
    return _pyfaasm.await_call_output(call_id)


# ---- State ----

def read_state_size(key):
    """Size in bytes of the value stored under key."""
    return _pyfaasm.read_state_size(key)


def read_state(key, state_len=None):
    """The value under key (its first state_len bytes, or all of it)."""
    return _pyfaasm.read_state(key, -1 if state_len is None else state_len)


def read_state_offset(key, total_len, offset, n):
    """n bytes of the value under key (total_len bytes) from offset."""
    return _pyfaasm.read_state_offset(key, total_len, offset, n)


def read_state_ptr(key, total_len):
    """A writable memoryview of the host's local replica of key; writes are
    seen by every function on the host (flag them dirty, then push)."""
    return _pyfaasm.read_state_ptr(key, total_len)


def write_state(key, value):
    """Sets the value under key."""
    _pyfaasm.write_state(key, value)


def write_state_offset(key, total_len, offset, value):
    """Writes value at offset into the value under key (total_len bytes)."""
    _pyfaasm.write_state_offset(key, total_len, offset, value)


def push_state(key):
    """Sends the local value of key to the global tier."""
    _pyfaasm.push_state(key)


def push_state_partial(key):
    """Sends only the changed chunks of key to the global tier."""
    _pyfaasm.push_state_partial(key)


def push_state_partial_mask(key, mask_key):
    """Sends the changed chunks of key selected by the mask under mask_key."""
    _pyfaasm.push_state_partial_mask(key, mask_key)


def pull_state(key, state_len):
    """Fetches key (state_len bytes) from the global tier."""
    _pyfaasm.pull_state(key, state_len)


def flag_state_dirty(key, total_len):
    _pyfaasm.flag_state_dirty(key, total_len)


def flag_state_offset_dirty(key, total_len, offset, n):
    _pyfaasm.flag_state_offset_dirty(key, total_len, offset, n)


def append_state(key, value):
    """Appends one element (bytes) to the appended state under key."""
    _pyfaasm.append_state(key, value)


def read_appended_state(key, total_len, n_elems):
    """The n_elems appended elements of key (total_len bytes), concatenated."""
    return _pyfaasm.read_appended_state(key, total_len, n_elems)


def clear_appended_state(key):
    _pyfaasm.clear_appended_state(key)


def write_state_from_file(key, path):
    """Sets key to the contents of the file at path; returns bytes written."""
    return _pyfaasm.write_state_from_file(key, path)


# Paper-era state names.
def get_state_size(key):
    return read_state_size(key)


def get_state(key, state_len=None):
    return read_state(key, state_len)


def get_state_offset(key, total_len, offset, n):
    return read_state_offset(key, total_len, offset, n)


def set_state(key, value):
    write_state(key, value)


def set_state_offset(key, total_len, offset, value):
    write_state_offset(key, total_len, offset, value)


# ---- Locks (host-local reader/writer locks on a key) ----

def lock_state_read(key):
    _pyfaasm.lock_state_read(key)


def unlock_state_read(key):
    _pyfaasm.unlock_state_read(key)


def lock_state_write(key):
    _pyfaasm.lock_state_write(key)


def unlock_state_write(key):
    _pyfaasm.unlock_state_write(key)


@contextlib.contextmanager
def state_read_lock(key):
    """with state_read_lock(key): ... holds the read lock on key."""
    _pyfaasm.lock_state_read(key)
    try:
        yield
    finally:
        _pyfaasm.unlock_state_read(key)


@contextlib.contextmanager
def state_write_lock(key):
    """with state_write_lock(key): ... holds the write lock on key."""
    _pyfaasm.lock_state_write(key)
    try:
        yield
    finally:
        _pyfaasm.unlock_state_write(key)


# ---- The call itself ----

def get_py_user():
    return _pyfaasm.get_py_user()


def get_py_func():
    return _pyfaasm.get_py_func()


def get_py_entry():
    return _pyfaasm.get_py_entry()


def conf_flag(key):
    """1 or 0 for a configuration flag such as "PYTHON_PRELOAD"."""
    return _pyfaasm.conf_flag(key)


# ---- Local mode ----

def set_local_chaining(value):
    """Turns local chaining (see the module's doc) on or off."""
    global PYTHON_LOCAL_CHAINING
    PYTHON_LOCAL_CHAINING = bool(value)


def set_local_input_output(value):
    """Turns local output (see the module's doc) on or off."""
    global PYTHON_LOCAL_OUTPUT
    PYTHON_LOCAL_OUTPUT = bool(value)


def get_output():
    """The output kept by set_output in local output mode."""
    if not PYTHON_LOCAL_OUTPUT:
        raise RuntimeError("get_output is only for local input/output mode "
                           "(set_local_input_output(True))")
    return _local_output


# ---- The oldest names (Faasm's first pyfaasm) ----

def getInput():
    return get_input()


def setOutput(output):
    set_output(output)


def getState(key, state_len):
    return read_state(key, state_len)


def getStateOffset(key, total_len, offset, n):
    return read_state_offset(key, total_len, offset, n)


def setState(key, value):
    write_state(key, value)


def setStateOffset(key, total_len, offset, value):
    write_state_offset(key, total_len, offset, value)


def pushState(key):
    push_state(key)


def pullState(key, state_len):
    pull_state(key, state_len)

