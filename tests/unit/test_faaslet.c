/*
 * test_faaslet.c: the embedded runtime of faaslet/faaslet.h with the host
 * interface of host/host.h: output, chaining with await_call_output into
 * guest malloc, state mapped into two Faaslets, and the limits (timeout,
 * memory, call depth, bad guest pointers), each followed by a call that
 * must still succeed in the same runtime.  Python calls run a stand-in
 * for py_func (below) that checks the host's side: the Python names,
 * __faasm_chain_py to another entry, the load errors.
 *
 * The guest is one hand-written module whose _start does what the first
 * input byte says; its source (wat2wasm turns it into the bytes below):
 *
 * (module
 *   (import "env" "__faasm_read_input" (func $read_input (param i32 i32) (result i32)))
 *   (import "env" "__faasm_write_output" (func $write_output (param i32 i32)))
 *   (import "env" "__faasm_read_state_ptr" (func $state_ptr (param i32 i32) (result i32)))
 *   (import "env" "__faasm_chain_ptr" (func $chain_ptr (param i32 i32 i32) (result i32)))
 *   (import "env" "__faasm_await_call_output" (func $await_out (param i32 i32 i32) (result i32)))
 *   (import "env" "__faasm_read_state_offset_ptr" (func $offset_ptr (param i32 i32 i32 i32) (result i32)))
 *   (import "env" "__faasm_read_state_offset" (func $read_offset (param i32 i32 i32 i32 i32)))
 *   (import "env" "__faasm_lock_state_write" (func $lock (param i32)))
 *   (import "env" "__faasm_unlock_state_write" (func $unlock (param i32)))
 *   (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
 *   (memory (export "memory") 1)
 *   (table 2 funcref)
 *   (elem (i32.const 1) $child)
 *   (data (i32.const 16) "ok")
 *   (data (i32.const 32) "k\00")
 *   (data (i32.const 48) "o")
 *   (data (i32.const 80) "seen")
 *   (global $heap (mut i32) (i32.const 4096))
 *   (func (export "malloc") (param i32) (result i32)
 *     (local $p i32)
 *     (local.set $p (global.get $heap))
 *     (global.set $heap (i32.add (global.get $heap) (local.get 0)))
 *     (local.get $p))
 *   (func $child (result i32)
 *     (call $write_output (i32.const 16) (i32.const 2))
 *     (i32.const 5))
 *   (func $rec (param i32) (result i32)
 *     (i32.add (call $rec (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
 *   (func (export "_start")
 *     (local $c i32) (local $p i32) (local $id i32)
 *     (drop (call $read_input (i32.const 256) (i32.const 1)))
 *     (local.set $c (i32.load8_u (i32.const 256)))
 *     (if (i32.eq (local.get $c) (i32.const 111)) ;; 'o': output "ok"
 *       (then (call $write_output (i32.const 16) (i32.const 2)) (return)))
 *     (if (i32.eq (local.get $c) (i32.const 108)) ;; 'l': loop forever
 *       (then (loop $l (br $l))))
 *     (if (i32.eq (local.get $c) (i32.const 114)) ;; 'r': recurse forever
 *       (then (drop (call $rec (i32.const 0)))))
 *     (if (i32.eq (local.get $c) (i32.const 103)) ;; 'g': grow until refused, then trap
 *       (then
 *         (loop $g (br_if $g (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
 *         (unreachable)))
 *     (if (i32.eq (local.get $c) (i32.const 119)) ;; 'w': write "1234" to mapped state "k"
 *       (then
 *         (local.set $p (call $state_ptr (i32.const 32) (i32.const 8)))
 *         (i32.store (local.get $p) (i32.const 0x34333231))
 *         (return)))
 *     (if (i32.eq (local.get $c) (i32.const 82)) ;; 'R': output 4 bytes of mapped state "k"
 *       (then
 *         (local.set $p (call $state_ptr (i32.const 32) (i32.const 8)))
 *         (call $write_output (local.get $p) (i32.const 4))
 *         (return)))
 *     (if (i32.eq (local.get $c) (i32.const 83)) ;; 'S': spin until mapped "k" holds "1234"
 *       (then
 *         (local.set $p (call $state_ptr (i32.const 32) (i32.const 8)))
 *         (loop $s (br_if $s (i32.ne (i32.load (local.get $p)) (i32.const 0x34333231))))
 *         (call $write_output (i32.const 80) (i32.const 4))
 *         (return)))
 *     (if (i32.eq (local.get $c) (i32.const 79)) ;; 'O': map [5000, 5008) of 16 KiB "k", write "abcd"
 *       (then
 *         (local.set $p (call $offset_ptr (i32.const 32) (i32.const 16384) (i32.const 5000) (i32.const 8)))
 *         ;; a second range inside the first reuses its mapping
 *         (if (i32.ne (call $offset_ptr (i32.const 32) (i32.const 16384) (i32.const 5004) (i32.const 4))
 *                     (i32.add (local.get $p) (i32.const 4)))
 *           (then (unreachable)))
 *         (i32.store (local.get $p) (i32.const 0x64636261))
 *         (return)))
 *     (if (i32.eq (local.get $c) (i32.const 80)) ;; 'P': output bytes [5000, 5004) of "k", copied
 *       (then
 *         (call $read_offset (i32.const 32) (i32.const 16384) (i32.const 5000) (i32.const 300) (i32.const 4))
 *         (call $write_output (i32.const 300) (i32.const 4))
 *         (return)))
 *     (if (i32.eq (local.get $c) (i32.const 76)) ;; 'L': write-lock "k", then trap holding it
 *       (then (call $lock (i32.const 32)) (unreachable)))
 *     (if (i32.eq (local.get $c) (i32.const 85)) ;; 'U': write-lock "k", unlock, output "ok"
 *       (then
 *         (call $lock (i32.const 32))
 *         (call $unlock (i32.const 32))
 *         (call $write_output (i32.const 16) (i32.const 2))
 *         (return)))
 *     (if (i32.eq (local.get $c) (i32.const 98)) ;; 'b': pointer past memory
 *       (then (call $write_output (i32.const -16) (i32.const 64)) (return)))
 *     (if (i32.eq (local.get $c) (i32.const 99)) ;; 'c': chain $child, await its output, exit with its value
 *       (then
 *         (local.set $id (call $chain_ptr (i32.const 1) (i32.const 48) (i32.const 1)))
 *         (local.set $p (call $await_out (local.get $id) (i32.const 64) (i32.const 68)))
 *         (call $write_output (i32.load (i32.const 64)) (i32.load (i32.const 68)))
 *         (call $exit (local.get $p)))))
 * )
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "faaslet/faaslet.h"
#include "host/host.h"
#include "store/store.h"
#include "wasm_builder.h"

static const uint8_t guest_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x33, 0x09, 0x60,
    0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x00, 0x60, 0x03,
    0x7f, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x04, 0x7f, 0x7f, 0x7f, 0x7f, 0x01,
    0x7f, 0x60, 0x05, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x00, 0x60, 0x01, 0x7f,
    0x00, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x00,
    0x00, 0x02, 0xb1, 0x02, 0x0a, 0x03, 0x65, 0x6e, 0x76, 0x12, 0x5f, 0x5f,
    0x66, 0x61, 0x61, 0x73, 0x6d, 0x5f, 0x72, 0x65, 0x61, 0x64, 0x5f, 0x69,
    0x6e, 0x70, 0x75, 0x74, 0x00, 0x00, 0x03, 0x65, 0x6e, 0x76, 0x14, 0x5f,
    0x5f, 0x66, 0x61, 0x61, 0x73, 0x6d, 0x5f, 0x77, 0x72, 0x69, 0x74, 0x65,
    0x5f, 0x6f, 0x75, 0x74, 0x70, 0x75, 0x74, 0x00, 0x01, 0x03, 0x65, 0x6e,
    0x76, 0x16, 0x5f, 0x5f, 0x66, 0x61, 0x61, 0x73, 0x6d, 0x5f, 0x72, 0x65,
    0x61, 0x64, 0x5f, 0x73, 0x74, 0x61, 0x74, 0x65, 0x5f, 0x70, 0x74, 0x72,
    0x00, 0x00, 0x03, 0x65, 0x6e, 0x76, 0x11, 0x5f, 0x5f, 0x66, 0x61, 0x61,
    0x73, 0x6d, 0x5f, 0x63, 0x68, 0x61, 0x69, 0x6e, 0x5f, 0x70, 0x74, 0x72,
    0x00, 0x02, 0x03, 0x65, 0x6e, 0x76, 0x19, 0x5f, 0x5f, 0x66, 0x61, 0x61,
    0x73, 0x6d, 0x5f, 0x61, 0x77, 0x61, 0x69, 0x74, 0x5f, 0x63, 0x61, 0x6c,
    0x6c, 0x5f, 0x6f, 0x75, 0x74, 0x70, 0x75, 0x74, 0x00, 0x02, 0x03, 0x65,
    0x6e, 0x76, 0x1d, 0x5f, 0x5f, 0x66, 0x61, 0x61, 0x73, 0x6d, 0x5f, 0x72,
    0x65, 0x61, 0x64, 0x5f, 0x73, 0x74, 0x61, 0x74, 0x65, 0x5f, 0x6f, 0x66,
    0x66, 0x73, 0x65, 0x74, 0x5f, 0x70, 0x74, 0x72, 0x00, 0x03, 0x03, 0x65,
    0x6e, 0x76, 0x19, 0x5f, 0x5f, 0x66, 0x61, 0x61, 0x73, 0x6d, 0x5f, 0x72,
    0x65, 0x61, 0x64, 0x5f, 0x73, 0x74, 0x61, 0x74, 0x65, 0x5f, 0x6f, 0x66,
    0x66, 0x73, 0x65, 0x74, 0x00, 0x04, 0x03, 0x65, 0x6e, 0x76, 0x18, 0x5f,
    0x5f, 0x66, 0x61, 0x61, 0x73, 0x6d, 0x5f, 0x6c, 0x6f, 0x63, 0x6b, 0x5f,
    0x73, 0x74, 0x61, 0x74, 0x65, 0x5f, 0x77, 0x72, 0x69, 0x74, 0x65, 0x00,
    0x05, 0x03, 0x65, 0x6e, 0x76, 0x1a, 0x5f, 0x5f, 0x66, 0x61, 0x61, 0x73,
    0x6d, 0x5f, 0x75, 0x6e, 0x6c, 0x6f, 0x63, 0x6b, 0x5f, 0x73, 0x74, 0x61,
    0x74, 0x65, 0x5f, 0x77, 0x72, 0x69, 0x74, 0x65, 0x00, 0x05, 0x16, 0x77,
    0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74,
    0x5f, 0x70, 0x72, 0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x09, 0x70, 0x72,
    0x6f, 0x63, 0x5f, 0x65, 0x78, 0x69, 0x74, 0x00, 0x05, 0x03, 0x05, 0x04,
    0x06, 0x07, 0x06, 0x08, 0x04, 0x04, 0x01, 0x70, 0x00, 0x02, 0x05, 0x03,
    0x01, 0x00, 0x01, 0x06, 0x07, 0x01, 0x7f, 0x01, 0x41, 0x80, 0x20, 0x0b,
    0x07, 0x1c, 0x03, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00,
    0x06, 0x6d, 0x61, 0x6c, 0x6c, 0x6f, 0x63, 0x00, 0x0a, 0x06, 0x5f, 0x73,
    0x74, 0x61, 0x72, 0x74, 0x00, 0x0d, 0x09, 0x07, 0x01, 0x00, 0x41, 0x01,
    0x0b, 0x01, 0x0b, 0x0a, 0xa6, 0x03, 0x04, 0x11, 0x01, 0x01, 0x7f, 0x23,
    0x00, 0x21, 0x01, 0x23, 0x00, 0x20, 0x00, 0x6a, 0x24, 0x00, 0x20, 0x01,
    0x0b, 0x0a, 0x00, 0x41, 0x10, 0x41, 0x02, 0x10, 0x01, 0x41, 0x05, 0x0b,
    0x0c, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x10, 0x0c, 0x41, 0x01, 0x6a,
    0x0b, 0xf9, 0x02, 0x01, 0x03, 0x7f, 0x41, 0x80, 0x02, 0x41, 0x01, 0x10,
    0x00, 0x1a, 0x41, 0x80, 0x02, 0x2d, 0x00, 0x00, 0x21, 0x00, 0x20, 0x00,
    0x41, 0xef, 0x00, 0x46, 0x04, 0x40, 0x41, 0x10, 0x41, 0x02, 0x10, 0x01,
    0x0f, 0x0b, 0x20, 0x00, 0x41, 0xec, 0x00, 0x46, 0x04, 0x40, 0x03, 0x40,
    0x0c, 0x00, 0x0b, 0x0b, 0x20, 0x00, 0x41, 0xf2, 0x00, 0x46, 0x04, 0x40,
    0x41, 0x00, 0x10, 0x0c, 0x1a, 0x0b, 0x20, 0x00, 0x41, 0xe7, 0x00, 0x46,
    0x04, 0x40, 0x03, 0x40, 0x41, 0x01, 0x40, 0x00, 0x41, 0x7f, 0x47, 0x0d,
    0x00, 0x0b, 0x00, 0x0b, 0x20, 0x00, 0x41, 0xf7, 0x00, 0x46, 0x04, 0x40,
    0x41, 0x20, 0x41, 0x08, 0x10, 0x02, 0x21, 0x01, 0x20, 0x01, 0x41, 0xb1,
    0xe4, 0xcc, 0xa1, 0x03, 0x36, 0x02, 0x00, 0x0f, 0x0b, 0x20, 0x00, 0x41,
    0xd2, 0x00, 0x46, 0x04, 0x40, 0x41, 0x20, 0x41, 0x08, 0x10, 0x02, 0x21,
    0x01, 0x20, 0x01, 0x41, 0x04, 0x10, 0x01, 0x0f, 0x0b, 0x20, 0x00, 0x41,
    0xd3, 0x00, 0x46, 0x04, 0x40, 0x41, 0x20, 0x41, 0x08, 0x10, 0x02, 0x21,
    0x01, 0x03, 0x40, 0x20, 0x01, 0x28, 0x02, 0x00, 0x41, 0xb1, 0xe4, 0xcc,
    0xa1, 0x03, 0x47, 0x0d, 0x00, 0x0b, 0x41, 0xd0, 0x00, 0x41, 0x04, 0x10,
    0x01, 0x0f, 0x0b, 0x20, 0x00, 0x41, 0xcf, 0x00, 0x46, 0x04, 0x40, 0x41,
    0x20, 0x41, 0x80, 0x80, 0x01, 0x41, 0x88, 0x27, 0x41, 0x08, 0x10, 0x05,
    0x21, 0x01, 0x41, 0x20, 0x41, 0x80, 0x80, 0x01, 0x41, 0x8c, 0x27, 0x41,
    0x04, 0x10, 0x05, 0x20, 0x01, 0x41, 0x04, 0x6a, 0x47, 0x04, 0x40, 0x00,
    0x0b, 0x20, 0x01, 0x41, 0xe1, 0xc4, 0x8d, 0xa3, 0x06, 0x36, 0x02, 0x00,
    0x0f, 0x0b, 0x20, 0x00, 0x41, 0xd0, 0x00, 0x46, 0x04, 0x40, 0x41, 0x20,
    0x41, 0x80, 0x80, 0x01, 0x41, 0x88, 0x27, 0x41, 0xac, 0x02, 0x41, 0x04,
    0x10, 0x06, 0x41, 0xac, 0x02, 0x41, 0x04, 0x10, 0x01, 0x0f, 0x0b, 0x20,
    0x00, 0x41, 0xcc, 0x00, 0x46, 0x04, 0x40, 0x41, 0x20, 0x10, 0x07, 0x00,
    0x0b, 0x20, 0x00, 0x41, 0xd5, 0x00, 0x46, 0x04, 0x40, 0x41, 0x20, 0x10,
    0x07, 0x41, 0x20, 0x10, 0x08, 0x41, 0x10, 0x41, 0x02, 0x10, 0x01, 0x0f,
    0x0b, 0x20, 0x00, 0x41, 0xe2, 0x00, 0x46, 0x04, 0x40, 0x41, 0x70, 0x41,
    0xc0, 0x00, 0x10, 0x01, 0x0f, 0x0b, 0x20, 0x00, 0x41, 0xe3, 0x00, 0x46,
    0x04, 0x40, 0x41, 0x01, 0x41, 0x30, 0x41, 0x01, 0x10, 0x03, 0x21, 0x02,
    0x20, 0x02, 0x41, 0xc0, 0x00, 0x41, 0xc4, 0x00, 0x10, 0x04, 0x21, 0x01,
    0x41, 0xc0, 0x00, 0x28, 0x02, 0x00, 0x41, 0xc4, 0x00, 0x28, 0x02, 0x00,
    0x10, 0x01, 0x20, 0x01, 0x10, 0x09, 0x0b, 0x0b, 0x0b, 0x1f, 0x04, 0x00,
    0x41, 0x10, 0x0b, 0x02, 0x6f, 0x6b, 0x00, 0x41, 0x20, 0x0b, 0x02, 0x6b,
    0x00, 0x00, 0x41, 0x30, 0x0b, 0x01, 0x6f, 0x00, 0x41, 0xd0, 0x00, 0x0b,
    0x04, 0x73, 0x65, 0x65, 0x6e,
};

static fl_runtime *rt;

/* A runtime with `guest` loaded as user "t", function "g". */
static void start(unsigned threads, uint32_t timeout_ms, uint32_t max_mib) {
    fl_runtime_config c;
    fl_runtime_config_init(&c);
    c.threads = threads;
    c.timeout_ms = timeout_ms;
    c.max_memory_mib = max_mib;
    char err[200] = "";
    rt = fl_runtime_new(&c, err, sizeof err);
    cr_assert_not_null(rt, "%s", err);
    fl_error e = {0};
    cr_assert_eq(fl_runtime_add_module(rt, "t", "g", guest_wasm, sizeof guest_wasm, &e), 0,
                 "%s", e.message);
}

static void stop(void) {
    fl_runtime_free(rt);
    rt = NULL;
}

/* Runs one call with input `mode` and waits for it. */
static void call(const char *mode, fl_call_result *res) {
    uint32_t id = fl_runtime_submit(rt, "t", "g", (const uint8_t *)mode, strlen(mode));
    cr_assert_neq(id, 0);
    cr_assert_eq(fl_runtime_await(rt, id, res), 0);
}

/* The call that must work after any failure: output "ok", return 0. */
static void expect_ok_call(void) {
    fl_call_result r;
    call("o", &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    cr_assert_eq(r.retval, 0);
    cr_assert_eq(r.output_len, 2);
    cr_assert_arr_eq(r.output, "ok", 2);
    fl_call_result_free(&r);
}

static long ms_since(const struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

Test(faaslet, host_table_names_every_import) {
    cr_assert_eq(fl_host_count(), 31);
    for (size_t i = 0; i < fl_host_count(); i++)
        cr_assert(!strncmp(fl_host_name(i), "__faasm_", 8), "%s", fl_host_name(i));
    cr_assert_null(fl_host_name(fl_host_count()));
}

Test(faaslet, output_and_return_value) {
    start(2, 0, 0);
    expect_ok_call();
    stop();
}

Test(faaslet, chain_ptr_and_await_output_into_guest_malloc) {
    start(2, 0, 0);
    fl_call_result r;
    call("c", &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    cr_assert_eq(r.retval, 5, "the child's return value, through proc_exit");
    cr_assert_eq(r.output_len, 2);
    cr_assert_arr_eq(r.output, "ok", 2);
    fl_call_result_free(&r);
    stop();
}

Test(faaslet, many_calls_on_two_threads) {
    start(2, 0, 0);
    uint32_t ids[64];
    for (int i = 0; i < 64; i++)
        ids[i] = fl_runtime_submit(rt, "t", "g", (const uint8_t *)(i % 2 ? "o" : "c"), 1);
    for (int i = 0; i < 64; i++) {
        fl_call_result r;
        cr_assert_eq(fl_runtime_await(rt, ids[i], &r), 0);
        cr_assert_eq(r.outcome, FL_OUTCOME_OK);
        cr_assert_eq(r.retval, i % 2 ? 0 : 5);
        fl_call_result_free(&r);
    }
    stop();
}

Test(faaslet, mapped_state_seen_by_a_later_faaslet) {
    start(2, 0, 0);
    fl_call_result r;
    call("w", &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    fl_call_result_free(&r);
    call("R", &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    cr_assert_eq(r.output_len, 4);
    cr_assert_arr_eq(r.output, "1234", 4, "no push or pull: the same mapped replica");
    fl_call_result_free(&r);
    stop();
}

Test(faaslet, offset_mapping_at_an_unaligned_offset) {
    start(2, 0, 0);
    fl_call_result r;
    call("O", &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    fl_call_result_free(&r);
    call("P", &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    cr_assert_eq(r.output_len, 4);
    cr_assert_arr_eq(r.output, "abcd", 4, "written through the mapping at offset 5000");
    fl_call_result_free(&r);
    stop();
}

Test(faaslet, two_running_faaslets_share_mapped_state) {
    /* 'S' spins on its mapping until it sees what 'w' writes through its own */
    start(2, 5000, 0);
    uint32_t spin = fl_runtime_submit(rt, "t", "g", (const uint8_t *)"S", 1);
    struct timespec pause = {0, 50 * 1000000};
    nanosleep(&pause, NULL);
    cr_assert_eq(fl_sched_status(fl_runtime_sched(rt), spin), FL_CALL_RUNNING);
    uint32_t write = fl_runtime_submit(rt, "t", "g", (const uint8_t *)"w", 1);
    fl_call_result r;
    cr_assert_eq(fl_runtime_await(rt, write, &r), 0);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    fl_call_result_free(&r);
    cr_assert_eq(fl_runtime_await(rt, spin, &r), 0);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    cr_assert_eq(r.output_len, 4);
    cr_assert_arr_eq(r.output, "seen", 4);
    fl_call_result_free(&r);
    stop();
}

Test(faaslet, timeout_stops_a_loop_and_the_next_call_runs) {
    start(2, 300, 0);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    fl_call_result r;
    call("l", &r);
    long ms = ms_since(&t0);
    cr_assert_eq(r.outcome, FL_OUTCOME_TIMEOUT, "%s", r.error ? r.error : "");
    cr_assert(ms >= 290 && ms < 800, "stopped after %ld ms", ms);
    cr_assert(strstr(r.error, "timed out after 300 ms"), "%s", r.error);
    fl_call_result_free(&r);
    expect_ok_call();
    stop();
}

Test(faaslet, memory_limit_ends_the_call_and_the_next_call_runs) {
    start(2, 0, 2);
    fl_call_result r;
    call("g", &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_TRAP);
    cr_assert_str_eq(r.error, "trap: memory limit reached (2 MiB): memory.grow by 1 page "
                              "refused; then unreachable");
    fl_call_result_free(&r);
    expect_ok_call();
    stop();
}

Test(faaslet, recursion_exhausts_the_stack_and_the_next_call_runs) {
    start(2, 0, 0);
    fl_call_result r;
    call("r", &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_TRAP);
    cr_assert(strstr(r.error, "call stack exhausted"), "%s", r.error);
    fl_call_result_free(&r);
    expect_ok_call();
    stop();
}

Test(faaslet, bad_guest_pointer_is_a_trap_of_that_call) {
    start(2, 0, 0);
    fl_call_result r;
    call("b", &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_TRAP);
    cr_assert(strstr(r.error, "__faasm_write_output"), "%s", r.error);
    cr_assert(strstr(r.error, "outside linear memory"), "%s", r.error);
    fl_call_result_free(&r);
    expect_ok_call();
    stop();
}

Test(faaslet, a_lock_held_by_a_failed_call_is_released) {
    start(1, 2000, 0);
    fl_call_result r;
    call("L", &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_TRAP);
    cr_assert(strstr(r.error, "unreachable"), "%s", r.error);
    fl_call_result_free(&r);
    call("U", &r); /* would block until its timeout if the lock were still held */
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    cr_assert_eq(r.output_len, 2);
    fl_call_result_free(&r);
    stop();
}

Test(faaslet, unknown_function_is_a_load_error) {
    start(1, 0, 0);
    uint32_t id = fl_runtime_submit(rt, "t", "missing", NULL, 0);
    fl_call_result r;
    cr_assert_eq(fl_runtime_await(rt, id, &r), 0);
    cr_assert_eq(r.outcome, FL_OUTCOME_LOAD);
    cr_assert(strstr(r.error, "t/missing"), "%s", r.error);
    fl_call_result_free(&r);
    expect_ok_call();
    stop();
}

/* Entries of folder `path` (without . and ..), -1 when it cannot be read. */
static int entries(const char *path) {
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

/* Each call has a folder of its own under tmp_parent while it runs (two
 * calls at once: two folders), and it is gone when the call ends, also
 * when the call was stopped by its deadline. */
Test(faaslet, each_call_has_a_private_tmp_removed_at_its_end) {
    char parent[] = "/tmp/test_faaslet.XXXXXX";
    cr_assert_not_null(mkdtemp(parent));
    fl_runtime_config c;
    fl_runtime_config_init(&c);
    c.threads = 2;
    c.timeout_ms = 400;
    c.tmp_parent = parent;
    char err[200] = "";
    rt = fl_runtime_new(&c, err, sizeof err);
    cr_assert_not_null(rt, "%s", err);
    fl_error e = {0};
    cr_assert_eq(fl_runtime_add_module(rt, "t", "g", guest_wasm, sizeof guest_wasm, &e), 0);

    uint32_t a = fl_runtime_submit(rt, "t", "g", (const uint8_t *)"l", 1);
    uint32_t b = fl_runtime_submit(rt, "t", "g", (const uint8_t *)"l", 1);
    cr_assert(a && b);
    struct timespec nap = {0, 150 * 1000 * 1000};
    nanosleep(&nap, NULL);
    cr_expect_eq(entries(parent), 2, "two running calls, two folders");
    fl_call_result r;
    cr_assert_eq(fl_runtime_await(rt, a, &r), 0);
    cr_expect_eq(r.outcome, FL_OUTCOME_TIMEOUT);
    fl_call_result_free(&r);
    cr_assert_eq(fl_runtime_await(rt, b, &r), 0);
    fl_call_result_free(&r);
    cr_expect_eq(entries(parent), 0);
    expect_ok_call();
    cr_expect_eq(entries(parent), 0);
    stop();
    cr_assert_eq(rmdir(parent), 0);
}

/* no_private_tmp, or a preopen of its own at /tmp: no folder is made. */
Test(faaslet, no_tmp_folder_when_configured_away) {
    char parent[] = "/tmp/test_faaslet.XXXXXX";
    cr_assert_not_null(mkdtemp(parent));
    for (int own = 0; own < 2; own++) {
        fl_runtime_config c;
        fl_runtime_config_init(&c);
        fl_wasi_preopen p = {.host_path = parent, .guest_path = "/tmp/"};
        c.timeout_ms = 200;
        c.tmp_parent = parent;
        c.no_private_tmp = !own;
        c.preopens = own ? &p : NULL;
        c.npreopens = own ? 1 : 0;
        char err[200] = "";
        rt = fl_runtime_new(&c, err, sizeof err);
        cr_assert_not_null(rt, "%s", err);
        fl_error e = {0};
        cr_assert_eq(fl_runtime_add_module(rt, "t", "g", guest_wasm, sizeof guest_wasm, &e), 0);
        uint32_t id = fl_runtime_submit(rt, "t", "g", (const uint8_t *)"l", 1);
        struct timespec nap = {0, 100 * 1000 * 1000};
        nanosleep(&nap, NULL);
        cr_expect_eq(entries(parent), 0);
        fl_call_result r;
        cr_assert_eq(fl_runtime_await(rt, id, &r), 0);
        fl_call_result_free(&r);
        stop();
    }
    cr_assert_eq(rmdir(parent), 0);
}

/* A runtime root that cannot be opened fails the call as a load error,
 * and the runtime goes on. */
Test(faaslet, missing_runtime_root_is_a_load_error) {
    fl_runtime_config c;
    fl_runtime_config_init(&c);
    c.runtime_root = "/nonexistent/faaslet-root";
    char err[200] = "";
    rt = fl_runtime_new(&c, err, sizeof err);
    cr_assert_not_null(rt, "%s", err);
    fl_error e = {0};
    cr_assert_eq(fl_runtime_add_module(rt, "t", "g", guest_wasm, sizeof guest_wasm, &e), 0);
    fl_call_result r;
    call("o", &r);
    cr_expect_eq(r.outcome, FL_OUTCOME_LOAD);
    cr_expect(r.error && strstr(r.error, "/nonexistent/faaslet-root"), "%s", r.error);
    fl_call_result_free(&r);
    stop();
}

/* ---- Python calls, with a stand-in for py_func ----
 *
 * fake_py_func plays CPython's part: with no Python entry it chains entry
 * "second" of its own file through __faasm_chain_py, awaits its output
 * and returns it with the chained call's return value; entered at
 * "second" it writes py_user, py_func and py_entry ("pupfsecond" for
 * pu/pf) and exits 7.  Source (wat2wasm):
 *
 * (module
 *   (import "env" "__faasm_get_py_user" (func $py_user (param i32 i32)))
 *   (import "env" "__faasm_get_py_func" (func $py_func (param i32 i32)))
 *   (import "env" "__faasm_get_py_entry" (func $py_entry (param i32 i32)))
 *   (import "env" "__faasm_chain_py" (func $chain_py (param i32 i32 i32) (result i32)))
 *   (import "env" "__faasm_await_call_output" (func $await_out (param i32 i32 i32) (result i32)))
 *   (import "env" "__faasm_write_output" (func $write_output (param i32 i32)))
 *   (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
 *   (memory (export "memory") 1)
 *   (data (i32.const 16) "second\00")
 *   (global $heap (mut i32) (i32.const 4096))
 *   (func (export "malloc") (param i32) (result i32)
 *     (local $p i32)
 *     (local.set $p (global.get $heap))
 *     (global.set $heap (i32.add (global.get $heap) (local.get 0)))
 *     (local.get $p))
 *   (func (export "_start")
 *     (local $ret i32)
 *     (call $py_entry (i32.const 512) (i32.const 64))
 *     (if (i32.eqz (i32.load8_u (i32.const 512)))
 *       (then
 *         (local.set $ret (call $await_out
 *           (call $chain_py (i32.const 16) (i32.const 16) (i32.const 3))
 *           (i32.const 100) (i32.const 104)))
 *         (call $write_output (i32.load (i32.const 100)) (i32.load (i32.const 104)))
 *         (call $exit (local.get $ret))))
 *     (call $py_user (i32.const 600) (i32.const 3))
 *     (call $py_func (i32.const 602) (i32.const 3))
 *     (call $py_entry (i32.const 604) (i32.const 7))
 *     (call $write_output (i32.const 600) (i32.const 10))
 *     (call $exit (i32.const 7))))
 */
static const uint8_t fake_py_func[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x19, 0x05, 0x60,
  0x02, 0x7f, 0x7f, 0x00, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x01, 0x7f, 0x60,
  0x01, 0x7f, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00, 0x02,
  0xc5, 0x01, 0x07, 0x03, 0x65, 0x6e, 0x76, 0x13, 0x5f, 0x5f, 0x66, 0x61,
  0x61, 0x73, 0x6d, 0x5f, 0x67, 0x65, 0x74, 0x5f, 0x70, 0x79, 0x5f, 0x75,
  0x73, 0x65, 0x72, 0x00, 0x00, 0x03, 0x65, 0x6e, 0x76, 0x13, 0x5f, 0x5f,
  0x66, 0x61, 0x61, 0x73, 0x6d, 0x5f, 0x67, 0x65, 0x74, 0x5f, 0x70, 0x79,
  0x5f, 0x66, 0x75, 0x6e, 0x63, 0x00, 0x00, 0x03, 0x65, 0x6e, 0x76, 0x14,
  0x5f, 0x5f, 0x66, 0x61, 0x61, 0x73, 0x6d, 0x5f, 0x67, 0x65, 0x74, 0x5f,
  0x70, 0x79, 0x5f, 0x65, 0x6e, 0x74, 0x72, 0x79, 0x00, 0x00, 0x03, 0x65,
  0x6e, 0x76, 0x10, 0x5f, 0x5f, 0x66, 0x61, 0x61, 0x73, 0x6d, 0x5f, 0x63,
  0x68, 0x61, 0x69, 0x6e, 0x5f, 0x70, 0x79, 0x00, 0x01, 0x03, 0x65, 0x6e,
  0x76, 0x19, 0x5f, 0x5f, 0x66, 0x61, 0x61, 0x73, 0x6d, 0x5f, 0x61, 0x77,
  0x61, 0x69, 0x74, 0x5f, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x6f, 0x75, 0x74,
  0x70, 0x75, 0x74, 0x00, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x14, 0x5f, 0x5f,
  0x66, 0x61, 0x61, 0x73, 0x6d, 0x5f, 0x77, 0x72, 0x69, 0x74, 0x65, 0x5f,
  0x6f, 0x75, 0x74, 0x70, 0x75, 0x74, 0x00, 0x00, 0x16, 0x77, 0x61, 0x73,
  0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70,
  0x72, 0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x09, 0x70, 0x72, 0x6f, 0x63,
  0x5f, 0x65, 0x78, 0x69, 0x74, 0x00, 0x02, 0x03, 0x03, 0x02, 0x03, 0x04,
  0x05, 0x03, 0x01, 0x00, 0x01, 0x06, 0x07, 0x01, 0x7f, 0x01, 0x41, 0x80,
  0x20, 0x0b, 0x07, 0x1c, 0x03, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79,
  0x02, 0x00, 0x06, 0x6d, 0x61, 0x6c, 0x6c, 0x6f, 0x63, 0x00, 0x07, 0x06,
  0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x08, 0x0a, 0x6e, 0x02, 0x11,
  0x01, 0x01, 0x7f, 0x23, 0x00, 0x21, 0x01, 0x23, 0x00, 0x20, 0x00, 0x6a,
  0x24, 0x00, 0x20, 0x01, 0x0b, 0x5a, 0x01, 0x01, 0x7f, 0x41, 0x80, 0x04,
  0x41, 0xc0, 0x00, 0x10, 0x02, 0x41, 0x80, 0x04, 0x2d, 0x00, 0x00, 0x45,
  0x04, 0x40, 0x41, 0x10, 0x41, 0x10, 0x41, 0x03, 0x10, 0x03, 0x41, 0xe4,
  0x00, 0x41, 0xe8, 0x00, 0x10, 0x04, 0x21, 0x00, 0x41, 0xe4, 0x00, 0x28,
  0x02, 0x00, 0x41, 0xe8, 0x00, 0x28, 0x02, 0x00, 0x10, 0x05, 0x20, 0x00,
  0x10, 0x06, 0x0b, 0x41, 0xd8, 0x04, 0x41, 0x03, 0x10, 0x00, 0x41, 0xda,
  0x04, 0x41, 0x03, 0x10, 0x01, 0x41, 0xdc, 0x04, 0x41, 0x07, 0x10, 0x02,
  0x41, 0xd8, 0x04, 0x41, 0x0a, 0x10, 0x05, 0x41, 0x07, 0x10, 0x06, 0x0b,
  0x0b, 0x0d, 0x01, 0x00, 0x41, 0x10, 0x0b, 0x07, 0x73, 0x65, 0x63, 0x6f,
  0x6e, 0x64, 0x00
};

/* Writes bytes[0..len) to file `path`. */
static void put_file(const char *path, const void *bytes, size_t len) {
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fwrite(bytes, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
}

static char py_tmp[64], py_path[200], py_fn_dir[200];

/* A Python runtime folder (fake py_func, empty root) and a function folder
 * for pu/pf, under a fresh folder; a runtime using them. */
static void start_python(void) {
    snprintf(py_tmp, sizeof py_tmp, "/tmp/faaslet-pytest-XXXXXX");
    cr_assert_not_null(mkdtemp(py_tmp));
    snprintf(py_path, sizeof py_path, "%s/py", py_tmp);
    cr_assert_eq(mkdir(py_path, 0755), 0);
    char p[300];
    snprintf(p, sizeof p, "%s/py_func.wasm", py_path);
    put_file(p, fake_py_func, sizeof fake_py_func);
    snprintf(p, sizeof p, "%s/root", py_path);
    cr_assert_eq(mkdir(p, 0755), 0);
    snprintf(py_fn_dir, sizeof py_fn_dir, "%s/fn", py_tmp);
    cr_assert_eq(mkdir(py_fn_dir, 0755), 0);
    snprintf(p, sizeof p, "%s/function.py", py_fn_dir);
    put_file(p, "def faasm_main(): pass\n", 23);

    fl_runtime_config c;
    fl_runtime_config_init(&c);
    c.python_dir = py_path;
    char err[200] = "";
    rt = fl_runtime_new(&c, err, sizeof err);
    cr_assert_not_null(rt, "%s", err);
    fl_error e = {0};
    cr_assert_eq(fl_runtime_add_module(rt, "t", "g", guest_wasm, sizeof guest_wasm, &e), 0);
    cr_assert_eq(fl_runtime_add_python(rt, "pu", "pf", py_fn_dir), 0);
}

static void stop_python(void) {
    stop();
    char p[300];
    const char *files[] = {"py/py_func.wasm", "py/root", "py", "fn/function.py", "fn", ""};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", py_tmp, files[i]);
        if (unlink(p) < 0)
            rmdir(p);
    }
}

static void await_result(uint32_t id, fl_call_result *r) {
    cr_assert_neq(id, 0);
    cr_assert_eq(fl_runtime_await(rt, id, r), 0);
}

Test(faaslet, python_call_names_and_chain_py_to_another_entry) {
    start_python();
    fl_call_result r;
    await_result(fl_runtime_submit_python(rt, "pu", "pf", NULL, 0), &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    cr_assert_eq(r.retval, 7, "the chained entry's return value");
    cr_assert_eq(r.output_len, 10);
    cr_assert_arr_eq(r.output, "pupfsecond", 10);
    fl_call_result_free(&r);
    expect_ok_call();
    stop_python();
}

Test(faaslet, python_call_without_its_file_is_a_load_error) {
    start_python();
    fl_call_result r;
    await_result(fl_runtime_submit_python(rt, "pu", "nosuch", NULL, 0), &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_LOAD);
    cr_assert(strstr(r.error, "no Python function pu/nosuch"), "%s", r.error);
    fl_call_result_free(&r);
    expect_ok_call();
    stop_python();
}

/* The same module run as a wasm function: __faasm_chain_py traps. */
Test(faaslet, chain_py_from_a_wasm_function_traps) {
    start_python();
    fl_error e = {0};
    cr_assert_eq(fl_runtime_add_module(rt, "t", "fake", fake_py_func, sizeof fake_py_func, &e),
                 0);
    fl_call_result r;
    await_result(fl_runtime_submit(rt, "t", "fake", NULL, 0), &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_TRAP);
    cr_assert(strstr(r.error, "not a Python function"), "%s", r.error);
    fl_call_result_free(&r);
    expect_ok_call();
    stop_python();
}

Test(faaslet, python_call_without_a_python_runtime_is_a_load_error) {
    start(1, 0, 0);
    fl_call_result r;
    await_result(fl_runtime_submit_python(rt, "pu", "pf", NULL, 0), &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_LOAD);
    cr_assert(strstr(r.error, "no Python runtime"), "%s", r.error);
    fl_call_result_free(&r);
    expect_ok_call();
    stop();
}

/* ---- entry exports must have the types the runtime calls them with ---- */

/* A module exporting as `name` one function of type params -> results
 * (signature letters), whose body is `unreachable` (valid for any type). */
static void one_export(wbuf *w, const char *name, const char *params, const char *results) {
    wbuf t = {.n = 0};
    put_leb(&t, 1);
    put(&t, (const uint8_t[]){0x60}, 1);
    const char *parts[2] = {params, results};
    for (int k = 0; k < 2; k++) {
        put_leb(&t, (uint32_t)strlen(parts[k]));
        for (const char *c = parts[k]; *c; c++) {
            uint8_t v;
            cr_assert_eq(fl_sig_valtype(*c, &v), 0);
            put(&t, &v, 1);
        }
    }
    header(w);
    section(w, 1, t.b, t.n);
    SECTION(w, 3, 1, 0);
    wbuf e = {.n = 0};
    put_leb(&e, 1);
    put_leb(&e, (uint32_t)strlen(name));
    put(&e, (const uint8_t *)name, strlen(name));
    put(&e, (const uint8_t[]){0, 0}, 2); /* a function, index 0 */
    section(w, 7, e.b, e.n);
    CODE1(w, 0x00, 0x00, 0x0b);          /* no locals; unreachable; end */
}

/* fl_runtime_check_module on one_export(name, params, results): 0, or -1
 * with the message in msg. */
static int check_one(const char *name, const char *params, const char *results, char *msg) {
    wbuf w;
    one_export(&w, name, params, results);
    fl_error err = {0};
    fl_module *m = fl_module_load(w.b, w.n, &err);
    cr_assert_not_null(m, "%s", err.message);
    msg[0] = 0;
    int rc = fl_runtime_check_module(m, msg, 200);
    fl_module_free(m);
    return rc;
}

Test(faaslet, entry_export_types_are_checked) {
    static const struct {
        const char *name, *params, *results;
        bool ok;
    } cases[] = {
        {"_start", "", "", true},
        {"_start", "", "i", true},
        {"_start", "", "I", false},
        {"_start", "", "ii", false},
        {"_start", "i", "", false},
        {"_start", "IIIIIIII", "", false},
        {"_faasm_zygote", "", "", true},
        {"_faasm_zygote", "", "i", true},
        {"_faasm_zygote", "", "f", false},
        {"_faasm_zygote", "i", "i", false},
        {"_faasm_init", "", "", true},
        {"_faasm_init", "", "i", false},
        {"__wasm_call_ctors", "", "", true},
        {"__wasm_call_ctors", "i", "", false},
        {"__wasm_call_dtors", "", "", true},
        {"__wasm_call_dtors", "", "I", false},
        {"malloc", "i", "i", true},
        {"malloc", "I", "i", false},
        {"malloc", "i", "ii", false},
        {"malloc", "", "i", false},
        {"not_an_entry", "IIIIIIII", "IIII", true},
    };
    char msg[200];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = check_one(cases[i].name, cases[i].params, cases[i].results, msg);
        cr_assert_eq(rc, cases[i].ok ? 0 : -1, "%s %s:%s: %s", cases[i].name, cases[i].params,
                     cases[i].results, msg);
    }
    char results[65] = "";
    memset(results, 'I', 64);
    cr_assert_eq(check_one("_start", "", results, msg), -1);
    cr_assert_str_eq(msg, "_start has type [] -> [i64 x 64]; an entry point must be "
                          "[] -> [] or [] -> [i32]");
    cr_assert_eq(check_one("__wasm_call_dtors", "", "i", msg), -1);
    cr_assert_str_eq(msg, "__wasm_call_dtors has type [] -> [i32]; a finaliser must be [] -> []");
    cr_assert_eq(check_one("malloc", "I", "i", msg), -1);
    cr_assert_str_eq(msg, "malloc has type [i64] -> [i32]; an exported malloc must be "
                          "[i32] -> [i32]");

    /* an entry name exported as something else */
    wbuf w;
    header(&w);
    SECTION(&w, 5, 1, 0x00, 1);                      /* memory 1 */
    SECTION(&w, 7, 1, 6, '_', 's', 't', 'a', 'r', 't', 2, 0);
    fl_error err = {0};
    fl_module *m = fl_module_load(w.b, w.n, &err);
    cr_assert_not_null(m, "%s", err.message);
    cr_assert_eq(fl_runtime_check_module(m, msg, sizeof msg), -1);
    cr_assert_str_eq(msg, "_start is exported as a memory; an entry point must be [] -> [] or "
                          "[] -> [i32]");
    fl_module_free(m);
}

Test(faaslet, a_module_with_a_bad_entry_type_is_not_loaded) {
    start(1, 0, 0);
    wbuf w;
    one_export(&w, "_start", "", "IIII");
    fl_error e = {0};
    cr_assert_eq(fl_runtime_add_module(rt, "t", "bad", w.b, w.n, &e), -2);
    cr_assert_str_eq(e.message, "_start has type [] -> [i64 x 4]; an entry point must be "
                                "[] -> [] or [] -> [i32]");
    /* not cached: a call of it is a load error, and the runtime goes on */
    uint32_t id = fl_runtime_submit(rt, "t", "bad", NULL, 0);
    fl_call_result r;
    cr_assert_eq(fl_runtime_await(rt, id, &r), 0);
    cr_assert_eq(r.outcome, FL_OUTCOME_LOAD, "%s", r.error ? r.error : "");
    fl_call_result_free(&r);
    /* a malformed module is still -1, with its byte offset */
    cr_assert_eq(fl_runtime_add_module(rt, "t", "junk", (const uint8_t *)"\0asm", 4, &e), -1);
    expect_ok_call();
    stop();
}

Test(faaslet, a_stored_module_with_a_bad_entry_type_is_a_load_error) {
    char dir[] = "/tmp/faaslet-entry-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    int rc;
    fl_fnstore *fs = fl_fnstore_open(dir, &rc);
    cr_assert_not_null(fs, "%s", strerror(-rc));
    wbuf w;
    one_export(&w, "_faasm_zygote", "", "IIIIIIII");
    cr_assert_eq(fl_fnstore_put_wasm(fs, "t", "zyg", w.b, w.n), 0);

    fl_runtime_config c;
    fl_runtime_config_init(&c);
    c.threads = 1;
    c.fnstore = fs;
    c.no_private_tmp = true;
    char err[200] = "";
    fl_runtime *r2 = fl_runtime_new(&c, err, sizeof err);
    cr_assert_not_null(r2, "%s", err);
    uint32_t id = fl_runtime_submit(r2, "t", "zyg", NULL, 0);
    fl_call_result r;
    cr_assert_eq(fl_runtime_await(r2, id, &r), 0);
    cr_assert_eq(r.outcome, FL_OUTCOME_LOAD);
    cr_assert_str_eq(r.error, "load: t/zyg: _faasm_zygote has type [] -> [i64 x 8]; an entry "
                              "point must be [] -> [] or [] -> [i32]");
    fl_call_result_free(&r);
    fl_runtime_free(r2);
    fl_fnstore_close(fs);
    char cmd[100];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

/* A guest at its memory cap that traps without a refusal: not a memory
 * limit (the report states what happened, not a guess from the size).
 * (module (memory (export "memory") 1)
 *   (func (export "_start") (drop (memory.grow (i32.const 31))) unreachable)) */
static const uint8_t full_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
    0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x13, 0x02, 0x06, 0x6d,
    0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x06, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74,
    0x00, 0x00, 0x0a, 0x0a, 0x01, 0x08, 0x00, 0x41, 0x1f, 0x40, 0x00, 0x1a, 0x00, 0x0b,
};

Test(faaslet, a_trap_at_the_cap_without_a_refusal_is_not_a_memory_limit) {
    start(1, 0, 2); /* 32 pages: the guest grows to exactly that */
    fl_error e = {0};
    cr_assert_eq(fl_runtime_add_module(rt, "t", "full", full_wasm, sizeof full_wasm, &e), 0);
    uint32_t id = fl_runtime_submit(rt, "t", "full", NULL, 0);
    fl_call_result r;
    cr_assert_eq(fl_runtime_await(rt, id, &r), 0);
    cr_assert_eq(r.outcome, FL_OUTCOME_TRAP);
    cr_assert_str_eq(r.error, "trap: unreachable");
    fl_call_result_free(&r);
    stop();
}

/* ---- loading: outside the runtime's lock, under the call's deadline ---- */

/* A valid module that takes long to load (7 MB, one body: 10^6 constants
 * over a local.get, 10^6 local.set) and exports _start. */
static uint8_t *slow_module(size_t *len) {
    const uint32_t n = 1000000;
    size_t body_len = 5 + 2 * (size_t)n + 4 * (size_t)n + n + 2;
    size_t cap = body_len + 64;
    uint8_t *b = malloc(cap), *p = b;
    cr_assert_not_null(b);
    static const uint8_t head[] = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,   /* magic, version */
        0x01, 0x04, 0x01, 0x60, 0x00, 0x00,               /* type [] -> [] */
        0x03, 0x02, 0x01, 0x00,                           /* one function */
        0x07, 0x0a, 0x01, 0x06, '_', 's', 't', 'a', 'r', 't', 0x00, 0x00,
        0x0a,                                             /* code section */
    };
    memcpy(p, head, sizeof head);
    p += sizeof head;
    size_t sec = 1 + 5 + body_len; /* count, body size (5-byte LEB), body */
    for (int i = 0; i < 5; i++, sec >>= 7) /* section size as a 5-byte LEB */
        *p++ = (uint8_t)((sec & 0x7f) | (i < 4 ? 0x80 : 0));
    *p++ = 0x01;
    size_t bl = body_len;
    for (int i = 0; i < 5; i++, bl >>= 7)
        *p++ = (uint8_t)((bl & 0x7f) | (i < 4 ? 0x80 : 0));
    static const uint8_t locals[] = {0x01, 0x02, 0x7f, 0x20, 0x00};
    memcpy(p, locals, sizeof locals);
    p += sizeof locals;
    for (uint32_t i = 0; i < n; i++, p += 2)
        memcpy(p, "\x41\x00", 2);
    for (uint32_t i = 0; i < n; i++, p += 4)
        memcpy(p, "\x41\x00\x21\x01", 4);
    memset(p, 0x1a, (size_t)n + 1);
    p += n + 1;
    *p++ = 0x0b;
    *len = (size_t)(p - b);
    return b;
}

static char store_dir[64];
static fl_fnstore *store;

/* A runtime on `threads` workers with a function store holding the slow
 * module as t/slow (and the guest added as t/g); returns how long loading
 * the slow module takes here. */
static double start_with_slow_module(unsigned threads, uint32_t timeout_ms) {
    size_t len;
    uint8_t *bytes = slow_module(&len);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    fl_error e = {0};
    fl_module *m = fl_module_load(bytes, len, &e);
    double load_ms = (double)ms_since(&t0);
    cr_assert_not_null(m, "%s", e.message);
    fl_module_free(m);

    snprintf(store_dir, sizeof store_dir, "/tmp/faaslet-store-XXXXXX");
    cr_assert_not_null(mkdtemp(store_dir));
    int rc;
    store = fl_fnstore_open(store_dir, &rc);
    cr_assert_not_null(store, "%s", strerror(-rc));
    cr_assert_eq(fl_fnstore_put_wasm(store, "t", "slow", bytes, len), 0);
    free(bytes);

    fl_runtime_config c;
    fl_runtime_config_init(&c);
    c.threads = threads;
    c.timeout_ms = timeout_ms;
    c.fnstore = store;
    char err[200] = "";
    rt = fl_runtime_new(&c, err, sizeof err);
    cr_assert_not_null(rt, "%s", err);
    cr_assert_eq(fl_runtime_add_module(rt, "t", "g", guest_wasm, sizeof guest_wasm, &e), 0);
    return load_ms;
}

static void stop_with_slow_module(void) {
    stop();
    fl_fnstore_remove(store, FL_FNSTORE_WASM, "t", "slow");
    fl_fnstore_close(store);
    char p[128];
    snprintf(p, sizeof p, "%s/functions/t", store_dir);
    rmdir(p);
    snprintf(p, sizeof p, "%s/functions", store_dir);
    rmdir(p);
    rmdir(store_dir);
}

/* While one call loads a slow module, a call of a cached one runs at once:
 * loading holds no lock the other needs. */
Test(faaslet, a_slow_load_holds_up_no_other_call) {
    double load_ms = start_with_slow_module(2, 0);
    uint32_t slow = fl_runtime_submit(rt, "t", "slow", NULL, 0);
    cr_assert_neq(slow, 0);
    struct timespec pause = {0, (long)(load_ms / 4 * 1e6)};
    nanosleep(&pause, NULL); /* the slow call is loading now */
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    expect_ok_call();
    long ms = ms_since(&t0);
    cr_log_info("loading takes %.0f ms; a call meanwhile took %ld ms", load_ms, ms);
    cr_assert_lt(ms, load_ms / 2, "the call waited %ld ms for a load of %.0f ms", ms, load_ms);
    fl_call_result r;
    await_result(slow, &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    fl_call_result_free(&r);
    stop_with_slow_module();
}

/* A call's timeout ends its module's loading (reported as the timeout). */
Test(faaslet, timeout_ends_a_slow_load) {
    double load_ms = start_with_slow_module(2, 40);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    fl_call_result r;
    await_result(fl_runtime_submit(rt, "t", "slow", NULL, 0), &r);
    long ms = ms_since(&t0);
    cr_log_info("loading takes %.0f ms; the call with a 40 ms timeout took %ld ms", load_ms, ms);
    cr_assert_eq(r.outcome, FL_OUTCOME_TIMEOUT, "%s", r.error ? r.error : "");
    cr_assert(strstr(r.error, "timed out after 40 ms"), "%s", r.error);
    cr_assert_lt(ms, load_ms / 2, "ended after %ld ms of a %.0f ms load", ms, load_ms);
    fl_call_result_free(&r);
    expect_ok_call();
    stop_with_slow_module();
}
