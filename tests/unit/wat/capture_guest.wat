;; capture_guest_wasm of tests/unit/test_faaslet.c: what a guest writes to
;; stdout and stderr when the runtime captures them.  _start does what the
;; first input byte says.
(module
  (import "env" "__faasm_read_input" (func $read_input (param i32 i32) (result i32)))
  (import "env" "__faasm_write_output" (func $write_output (param i32 i32)))
  (import "env" "__faasm_chain_ptr" (func $chain_ptr (param i32 i32 i32) (result i32)))
  (import "env" "__faasm_await_call" (func $await (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fdstat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (table 2 funcref)
  (elem (i32.const 1) $child)
  (data (i32.const 16) "out\n")
  (data (i32.const 24) "err\n")
  (data (i32.const 32) "child\n")
  (data (i32.const 48) "before the trap\n")
  ;; writes len bytes at ptr to fd, returning fd_write's errno (nwritten at 8)
  (func $write (param $fd i32) (param $ptr i32) (param $len i32) (result i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8)))
  (func $child (result i32)
    (drop (call $write (i32.const 1) (i32.const 32) (i32.const 6)))
    (i32.const 0))
  (func (export "_start")
    (local $c i32) (local $i i32)
    (drop (call $read_input (i32.const 256) (i32.const 1)))
    (local.set $c (i32.load8_u (i32.const 256)))
    (if (i32.eq (local.get $c) (i32.const 112)) ;; 'p': stdout, stderr, a chained call's stdout
      (then
        (drop (call $write (i32.const 1) (i32.const 16) (i32.const 4)))
        (drop (call $write (i32.const 2) (i32.const 24) (i32.const 4)))
        (drop (call $await (call $chain_ptr (i32.const 1) (i32.const 0) (i32.const 0))))
        (return)))
    (if (i32.eq (local.get $c) (i32.const 102)) ;; 'f': 3000 bytes in three writes of 1000
      (then
        (memory.fill (i32.const 1024) (i32.const 120) (i32.const 1000))
        (loop $l
          (drop (call $write (i32.const 1) (i32.const 1024) (i32.const 1000)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (i32.const 3))))
        ;; nwritten says all 1000 of the last write went: a print never fails
        (call $write_output (i32.const 8) (i32.const 4))
        (return)))
    (if (i32.eq (local.get $c) (i32.const 70)) ;; 'F': a flood, 100 writes of 1024 x 64 KiB, overlapping
      (then
        (loop $v ;; 1024 iovecs at 4096, each all of [0, 65536)
          (i32.store (i32.add (i32.const 4096) (i32.shl (local.get $i) (i32.const 3))) (i32.const 0))
          (i32.store (i32.add (i32.const 4100) (i32.shl (local.get $i) (i32.const 3))) (i32.const 65536))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $v (i32.lt_u (local.get $i) (i32.const 1024))))
        (local.set $i (i32.const 0))
        (loop $w
          (drop (call $fd_write (i32.const 1) (i32.const 4096) (i32.const 1024) (i32.const 8)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $w (i32.lt_u (local.get $i) (i32.const 100))))
        (call $write_output (i32.const 8) (i32.const 4))
        (return)))
    (if (i32.eq (local.get $c) (i32.const 116)) ;; 't': print, then trap
      (then
        (drop (call $write (i32.const 2) (i32.const 48) (i32.const 16)))
        (unreachable)))
    (if (i32.eq (local.get $c) (i32.const 115)) ;; 's': fd 1's fdstat filetype, and a poll for it writable
      (then
        (drop (call $fdstat (i32.const 1) (i32.const 512)))
        ;; one fd_write subscription (userdata 7, tag 2) on fd 1; event at 640, count at 700
        (memory.fill (i32.const 576) (i32.const 0) (i32.const 48))
        (i64.store (i32.const 576) (i64.const 7))
        (i32.store8 (i32.const 584) (i32.const 2))
        (i32.store (i32.const 592) (i32.const 1))
        (drop (call $poll (i32.const 576) (i32.const 640) (i32.const 1) (i32.const 700)))
        ;; output: the filetype, events (1), the event's errno (0) and type (2)
        (i32.store8 (i32.const 720) (i32.load8_u (i32.const 512)))
        (i32.store8 (i32.const 721) (i32.load8_u (i32.const 700)))
        (i32.store8 (i32.const 722) (i32.load8_u (i32.const 648)))
        (i32.store8 (i32.const 723) (i32.load8_u (i32.const 650)))
        (call $write_output (i32.const 720) (i32.const 4))
        (return)))))
