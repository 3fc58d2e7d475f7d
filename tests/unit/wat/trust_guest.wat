;; trust_guest_wasm of tests/unit/test_trust.c (the Makefile builds it with wat2wasm).
(module
  (import "env" "__faasm_read_input" (func $read_input (param i32 i32) (result i32)))
  (import "env" "__faasm_write_output" (func $write_output (param i32 i32)))
  (import "env" "__faasm_chain_ptr" (func $chain_ptr (param i32 i32 i32) (result i32)))
  (import "env" "__faasm_await_call_output" (func $await_out (param i32 i32 i32) (result i32)))
  (import "env" "__faasm_lock_state_read" (func $lock_r (param i32)))
  (import "env" "__faasm_lock_state_write" (func $lock_w (param i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_set_flags" (func $set_flags (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (table 3 funcref)
  (elem (i32.const 1) $child $nop)
  (data (i32.const 16) "secret")
  (data (i32.const 32) "k\00")
  (data (i32.const 48) "ok")
  (global $heap (mut i32) (i32.const 4096))
  (func (export "malloc") (param i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get 0)))
    (local.get $p))
  ;; the chained child: write-lock "k"
  (func $child (result i32)
    (call $lock_w (i32.const 32))
    (i32.const 0))
  (func $nop (result i32) (i32.const 0))
  (func (export "_start")
    (local $c i32) (local $i i32)
    (drop (call $read_input (i32.const 256) (i32.const 5)))
    (local.set $c (i32.load8_u (i32.const 256)))
    (if (i32.eq (local.get $c) (i32.const 115)) ;; 's': output "secret"
      (then (call $write_output (i32.const 16) (i32.const 6)) (return)))
    (if (i32.eq (local.get $c) (i32.const 97)) ;; 'a': await the call id in input bytes 1..4, output its output
      (then
        (drop (call $await_out (i32.load (i32.const 257)) (i32.const 64) (i32.const 68)))
        (call $write_output (i32.load (i32.const 64)) (i32.load (i32.const 68)))
        (return)))
    (if (i32.eq (local.get $c) (i32.const 100)) ;; 'd': read-lock "k", then write-lock it
      (then
        (call $lock_r (i32.const 32))
        (call $lock_w (i32.const 32))
        (call $write_output (i32.const 48) (i32.const 2))
        (return)))
    (if (i32.eq (local.get $c) (i32.const 99)) ;; 'c': read-lock "k", chain $child (write-locks "k"), await it
      (then
        (call $lock_r (i32.const 32))
        (drop (call $await_out (call $chain_ptr (i32.const 1) (i32.const 48) (i32.const 0))
                               (i32.const 64) (i32.const 68)))
        (call $write_output (i32.const 48) (i32.const 2))
        (return)))
    (if (i32.eq (local.get $c) (i32.const 110)) ;; 'n': set NONBLOCK on stdout, output the errno
      (then
        (i32.store (i32.const 96) (call $set_flags (i32.const 1) (i32.const 4)))
        (call $write_output (i32.const 96) (i32.const 4))
        (return)))
    (if (i32.eq (local.get $c) (i32.const 109)) ;; 'm': chain $nop with 8 MiB of input 17 times
      (then
        (drop (memory.grow (i32.const 128)))
        (loop $m
          (drop (call $chain_ptr (i32.const 2) (i32.const 0) (i32.const 8388608)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $m (i32.lt_u (local.get $i) (i32.const 17))))
        (call $write_output (i32.const 48) (i32.const 2))
        (return))))
)
