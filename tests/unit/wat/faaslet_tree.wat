;; faaslet_tree_wasm of tests/unit/test_faaslet.c (the Makefile builds it with wat2wasm).
(module
  (import "env" "__faasm_read_input" (func $read_input (param i32 i32) (result i32)))
  (import "env" "__faasm_write_output" (func $write_output (param i32 i32)))
  (import "env" "__faasm_chain_ptr" (func $chain (param i32 i32 i32) (result i32)))
  (import "env" "__faasm_await_call" (func $await (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
  (memory (export "memory") 1)
  (table 2 funcref)
  (elem (i32.const 1) $entry)
  (data (i32.const 400) "f0")
  ;; sleeps ms milliseconds: poll_oneoff on one relative CLOCK_MONOTONIC subscription at 512
  (func $sleep_ms (param $ms i32)
    (i64.store (i32.const 512) (i64.const 0))
    (i64.store (i32.const 520) (i64.const 0))
    (i32.store (i32.const 528) (i32.const 1))
    (i64.store (i32.const 536) (i64.mul (i64.extend_i32_u (local.get $ms)) (i64.const 1000000)))
    (i64.store (i32.const 544) (i64.const 0))
    (i32.store16 (i32.const 552) (i32.const 0))
    (drop (call $poll (i32.const 512) (i32.const 600) (i32.const 1) (i32.const 700))))
  (func $main
    (local $c i32) (local $n i32) (local $a i32) (local $b i32)
    (drop (call $read_input (i32.const 256) (i32.const 16)))
    (local.set $c (i32.load8_u (i32.const 256)))
    (local.set $n (i32.load8_u (i32.const 257)))
    ;; 's' N: sleep 100 ms, then chain "s" N-1 and await it (N = 0: stop)
    (if (i32.eq (local.get $c) (i32.const 115))
      (then
        (call $sleep_ms (i32.const 100))
        (if (i32.eqz (local.get $n)) (then (return)))
        (i32.store8 (i32.const 300) (i32.const 115))
        (i32.store8 (i32.const 301) (i32.sub (local.get $n) (i32.const 1)))
        (drop (call $await (call $chain (i32.const 1) (i32.const 300) (i32.const 2))))
        (return)))
    ;; 'z' N: sleep 100 ms, then chain "z" N-1 without awaiting it (N = 0: stop)
    (if (i32.eq (local.get $c) (i32.const 122))
      (then
        (call $sleep_ms (i32.const 100))
        (if (i32.eqz (local.get $n)) (then (return)))
        (i32.store8 (i32.const 300) (i32.const 122))
        (i32.store8 (i32.const 301) (i32.sub (local.get $n) (i32.const 1)))
        (drop (call $chain (i32.const 1) (i32.const 300) (i32.const 2)))
        (return)))
    ;; 'd': chain "d" and await it, without end
    (if (i32.eq (local.get $c) (i32.const 100))
      (then
        (drop (call $await (call $chain (i32.const 1) (i32.const 256) (i32.const 1))))
        (return)))
    ;; 'b': chain "b" twice and await both: 2^depth calls
    (if (i32.eq (local.get $c) (i32.const 98))
      (then
        (local.set $a (call $chain (i32.const 1) (i32.const 256) (i32.const 1)))
        (local.set $b (call $chain (i32.const 1) (i32.const 256) (i32.const 1)))
        (drop (call $await (local.get $a)))
        (drop (call $await (local.get $b)))
        (return)))
    ;; 'f': chain "n" without end, never awaiting
    (if (i32.eq (local.get $c) (i32.const 102))
      (then
        (i32.store8 (i32.const 300) (i32.const 110))
        (loop $l (drop (call $chain (i32.const 1) (i32.const 300) (i32.const 1))) (br $l))))
    ;; 'o' N32: output the first N bytes of memory (grown to hold them)
    (if (i32.eq (local.get $c) (i32.const 111))
      (then
        (local.set $n (i32.load (i32.const 257)))
        (drop (memory.grow (i32.add (i32.shr_u (local.get $n) (i32.const 16)) (i32.const 1))))
        (call $write_output (i32.const 0) (local.get $n))
        (return)))
    ;; 'O' N32: chain "o" N three times, awaiting each; output the three return values
    (if (i32.eq (local.get $c) (i32.const 79))
      (then
        (i32.store8 (i32.const 256) (i32.const 111))
        (loop $o
          (i32.store8 (i32.add (i32.const 320) (local.get $a))
            (call $await (call $chain (i32.const 1) (i32.const 256) (i32.const 5))))
          (local.set $a (i32.add (local.get $a) (i32.const 1)))
          (br_if $o (i32.lt_u (local.get $a) (i32.const 3))))
        (call $write_output (i32.const 320) (i32.const 3))
        (return)))
    ;; 'w': create files f0..f7 in /tmp (fd 3) and close them, then spin until stopped
    (if (i32.eq (local.get $c) (i32.const 119))
      (then
        (loop $w
          (i32.store8 (i32.const 401) (i32.add (i32.const 48) (local.get $a)))
          (drop (call $open (i32.const 3) (i32.const 0) (i32.const 400) (i32.const 2)
                            (i32.const 1) (i64.const 0x1fffffff) (i64.const 0x1fffffff)
                            (i32.const 0) (i32.const 420)))
          (drop (call $close (i32.load (i32.const 420))))
          (local.set $a (i32.add (local.get $a) (i32.const 1)))
          (br_if $w (i32.lt_u (local.get $a) (i32.const 8))))
        (i32.store (i32.const 424) (i32.const 1))
        (call $write_output (i32.const 424) (i32.const 4))
        (loop $spin (br $spin)))))
  (func $entry (result i32) (call $main) (i32.const 0))
  (func (export "_start") (call $main)))
