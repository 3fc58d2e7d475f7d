;; wasi_block_wasm of tests/unit/test_wasi.c (the Makefile builds it with wat2wasm).
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (func (export "read0") (result i32)           ;; up to 16 bytes of fd 0 at 64
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 16))
    (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
  (func (export "count") (result i32) (i32.load (i32.const 8)))
  (func (export "write1") (param i32) (result i32)   ;; n bytes at 4096 to fd 1
    (i32.store (i32.const 0) (i32.const 4096))
    (i32.store (i32.const 4) (local.get 0))
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
  (func (export "sleep") (param i64) (result i32)    ;; a monotonic clock subscription
    (i64.store (i32.const 128) (i64.const 0))
    (i32.store8 (i32.const 136) (i32.const 0))
    (i32.store (i32.const 144) (i32.const 1))
    (i64.store (i32.const 152) (local.get 0))
    (i64.store (i32.const 160) (i64.const 0))
    (i32.store16 (i32.const 168) (i32.const 0))
    (call $poll_oneoff (i32.const 128) (i32.const 256) (i32.const 1) (i32.const 12))))
