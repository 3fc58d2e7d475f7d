;; faaslet_isolation_wasm of tests/unit/test_faaslet.c: what one call leaves
;; behind and the next call of a warm Faaslet must not see.  The zygote sets
;; the global to 7 (so a reset must bring back the zygote's value, not the
;; module's initial 0).  Input 'w' leaves secrets everywhere: a byte of
;; memory, the global, a table slot, a grown memory, a file in /tmp (fd 3:
;; the only preopen) and an fd left open.  Input 'n' moves the /tmp preopen
;; away (fd_renumber 3 -> 10), which the next call must not notice.  Input
;; 't' sets /tmp's own times; 'm' reports (one byte) whether they are still
;; what 't' set.  Input 'r' reports, one byte each:
;; memory[1000], the global, whether table slot 1 is null (1), the memory's
;; pages, path_open("secret")'s errno (44 ENOENT when gone), fd_fdstat_get
;; of fd 4's errno (8 EBADF when closed).
(module
  (import "env" "__faasm_read_input" (func $read_input (param i32 i32) (result i32)))
  (import "env" "__faasm_write_output" (func $write_output (param i32 i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fdstat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_renumber" (func $renumber (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_set_times"
    (func $set_times (param i32 i32 i32 i32 i64 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_get"
    (func $filestat (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1 4)
  (table 2 funcref)
  (global $g (mut i32) (i32.const 0))
  (data (i32.const 16) "secret")
  (data (i32.const 32) ".")
  (func $secret (result i32) (i32.const 99))
  (elem $e func $secret) ;; passive: table.init puts it in slot 1
  (func (export "_faasm_zygote")
    (global.set $g (i32.const 7)))
  (func (export "_start")
    (local $c i32)
    (drop (call $read_input (i32.const 256) (i32.const 1)))
    (local.set $c (i32.load8_u (i32.const 256)))
    (if (i32.eq (local.get $c) (i32.const 116)) ;; 't': /tmp's own times set to 12345000 ns
      (then
        (drop (call $set_times (i32.const 3) (i32.const 0) (i32.const 32) (i32.const 1)
                               (i64.const 12345000) (i64.const 12345000) (i32.const 5)))
        (return)))
    (if (i32.eq (local.get $c) (i32.const 109)) ;; 'm': one byte, whether /tmp's mtime is that
      (then
        (drop (call $filestat (i32.const 3) (i32.const 0) (i32.const 32) (i32.const 1)
                              (i32.const 512)))
        (i32.store8 (i32.const 400) (i64.eq (i64.load (i32.const 560)) (i64.const 12345000)))
        (call $write_output (i32.const 400) (i32.const 1))
        (return)))
    (if (i32.eq (local.get $c) (i32.const 110)) ;; 'n'
      (then
        (drop (call $renumber (i32.const 3) (i32.const 10)))
        (return)))
    (if (i32.eq (local.get $c) (i32.const 119)) ;; 'w'
      (then
        (i32.store8 (i32.const 1000) (i32.const 90))
        (global.set $g (i32.const 42))
        (table.init 0 $e (i32.const 1) (i32.const 0) (i32.const 1))
        (drop (memory.grow (i32.const 1)))
        ;; /tmp/secret created (oflags 1: creat), its fd left open
        (drop (call $path_open (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 6)
                               (i32.const 1) (i64.const 66) (i64.const 0) (i32.const 0)
                               (i32.const 300)))
        (return)))
    (i32.store8 (i32.const 400) (i32.load8_u (i32.const 1000)))
    (i32.store8 (i32.const 401) (global.get $g))
    (i32.store8 (i32.const 402) (ref.is_null (table.get 0 (i32.const 1))))
    (i32.store8 (i32.const 403) (memory.size))
    (i32.store8 (i32.const 404)
      (call $path_open (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 6)
                       (i32.const 0) (i64.const 66) (i64.const 0) (i32.const 0)
                       (i32.const 300)))
    (i32.store8 (i32.const 405) (call $fdstat (i32.const 4) (i32.const 320)))
    (call $write_output (i32.const 400) (i32.const 6))))
