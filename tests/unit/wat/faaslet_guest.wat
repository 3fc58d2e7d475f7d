;; faaslet_guest_wasm of tests/unit/test_faaslet.c (the Makefile builds it with wat2wasm).
(module
  (import "env" "__faasm_read_input" (func $read_input (param i32 i32) (result i32)))
  (import "env" "__faasm_write_output" (func $write_output (param i32 i32)))
  (import "env" "__faasm_read_state_ptr" (func $state_ptr (param i32 i32) (result i32)))
  (import "env" "__faasm_chain_ptr" (func $chain_ptr (param i32 i32 i32) (result i32)))
  (import "env" "__faasm_await_call_output" (func $await_out (param i32 i32 i32) (result i32)))
  (import "env" "__faasm_read_state_offset_ptr" (func $offset_ptr (param i32 i32 i32 i32) (result i32)))
  (import "env" "__faasm_read_state_offset" (func $read_offset (param i32 i32 i32 i32 i32)))
  (import "env" "__faasm_lock_state_write" (func $lock (param i32)))
  (import "env" "__faasm_unlock_state_write" (func $unlock (param i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (table 2 funcref)
  (elem (i32.const 1) $child)
  (data (i32.const 16) "ok")
  (data (i32.const 32) "k\00")
  (data (i32.const 40) "n\00")
  (data (i32.const 48) "o")
  (data (i32.const 80) "seen")
  (global $heap (mut i32) (i32.const 4096))
  (func (export "malloc") (param i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get 0)))
    (local.get $p))
  (func $child (result i32)
    (call $write_output (i32.const 16) (i32.const 2))
    (i32.const 5))
  (func $rec (param i32) (result i32)
    (i32.add (call $rec (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func (export "_start")
    (local $c i32) (local $p i32) (local $id i32) (local $t i32)
    (drop (call $read_input (i32.const 256) (i32.const 2)))
    (local.set $c (i32.load8_u (i32.const 256)))
    (if (i32.eq (local.get $c) (i32.const 66)) ;; 'B' m: meet a partner, then do what m says
      (then
        ;; take a ticket from the counter in mapped state "n", under its write lock
        (call $lock (i32.const 40))
        (local.set $p (call $state_ptr (i32.const 40) (i32.const 4)))
        (local.set $t (i32.load (local.get $p)))
        (i32.store (local.get $p) (i32.add (local.get $t) (i32.const 1)))
        (call $unlock (i32.const 40))
        ;; tickets 2k and 2k+1 are partners: wait until both are taken, which
        ;; needs the partner running at the same time on another thread
        (loop $wait
          (br_if $wait (i32.lt_u (i32.load (local.get $p))
                                 (i32.add (i32.and (local.get $t) (i32.const -2)) (i32.const 2)))))
        (local.set $c (i32.load8_u (i32.const 257)))))
    (if (i32.eq (local.get $c) (i32.const 111)) ;; 'o': output "ok"
      (then (call $write_output (i32.const 16) (i32.const 2)) (return)))
    (if (i32.eq (local.get $c) (i32.const 108)) ;; 'l': loop forever
      (then (loop $l (br $l))))
    (if (i32.eq (local.get $c) (i32.const 114)) ;; 'r': recurse forever
      (then (drop (call $rec (i32.const 0)))))
    (if (i32.eq (local.get $c) (i32.const 103)) ;; 'g': grow until refused, then trap
      (then
        (loop $g (br_if $g (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
        (unreachable)))
    (if (i32.eq (local.get $c) (i32.const 119)) ;; 'w': write "1234" to mapped state "k"
      (then
        (local.set $p (call $state_ptr (i32.const 32) (i32.const 8)))
        (i32.store (local.get $p) (i32.const 0x34333231))
        (return)))
    (if (i32.eq (local.get $c) (i32.const 82)) ;; 'R': output 4 bytes of mapped state "k"
      (then
        (local.set $p (call $state_ptr (i32.const 32) (i32.const 8)))
        (call $write_output (local.get $p) (i32.const 4))
        (return)))
    (if (i32.eq (local.get $c) (i32.const 78)) ;; 'N': output 4 bytes of mapped state "n"
      (then
        (local.set $p (call $state_ptr (i32.const 40) (i32.const 4)))
        (call $write_output (local.get $p) (i32.const 4))
        (return)))
    (if (i32.eq (local.get $c) (i32.const 83)) ;; 'S': spin until mapped "k" holds "1234"
      (then
        (local.set $p (call $state_ptr (i32.const 32) (i32.const 8)))
        (loop $s (br_if $s (i32.ne (i32.load (local.get $p)) (i32.const 0x34333231))))
        (call $write_output (i32.const 80) (i32.const 4))
        (return)))
    (if (i32.eq (local.get $c) (i32.const 79)) ;; 'O': map [5000, 5008) of 16 KiB "k", write "abcd"
      (then
        (local.set $p (call $offset_ptr (i32.const 32) (i32.const 16384) (i32.const 5000) (i32.const 8)))
        ;; a second range inside the first reuses its mapping
        (if (i32.ne (call $offset_ptr (i32.const 32) (i32.const 16384) (i32.const 5004) (i32.const 4))
                    (i32.add (local.get $p) (i32.const 4)))
          (then (unreachable)))
        (i32.store (local.get $p) (i32.const 0x64636261))
        (return)))
    (if (i32.eq (local.get $c) (i32.const 80)) ;; 'P': output bytes [5000, 5004) of "k", copied
      (then
        (call $read_offset (i32.const 32) (i32.const 16384) (i32.const 5000) (i32.const 300) (i32.const 4))
        (call $write_output (i32.const 300) (i32.const 4))
        (return)))
    (if (i32.eq (local.get $c) (i32.const 76)) ;; 'L': write-lock "k", then trap holding it
      (then (call $lock (i32.const 32)) (unreachable)))
    (if (i32.eq (local.get $c) (i32.const 85)) ;; 'U': write-lock "k", unlock, output "ok"
      (then
        (call $lock (i32.const 32))
        (call $unlock (i32.const 32))
        (call $write_output (i32.const 16) (i32.const 2))
        (return)))
    (if (i32.eq (local.get $c) (i32.const 98)) ;; 'b': pointer past memory
      (then (call $write_output (i32.const -16) (i32.const 64)) (return)))
    (if (i32.eq (local.get $c) (i32.const 99)) ;; 'c': chain $child, await its output, exit with its value
      (then
        (local.set $id (call $chain_ptr (i32.const 1) (i32.const 48) (i32.const 1)))
        (local.set $p (call $await_out (local.get $id) (i32.const 64) (i32.const 68)))
        (call $write_output (i32.load (i32.const 64)) (i32.load (i32.const 68)))
        (call $exit (local.get $p)))))
)
