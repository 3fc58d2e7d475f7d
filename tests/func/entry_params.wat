;; entry_params: a _start with 16 parameters that echoes them as its
;; output.  The host passes none, so running it would read host memory:
;; the module must be refused when it is loaded and print nothing.
(module
  (import "env" "__faasm_write_output" (func $wo (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "_start") (param i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (i64.store (i32.const 0) (local.get 0))
    (i64.store (i32.const 8) (local.get 1))
    (i64.store (i32.const 16) (local.get 2))
    (i64.store (i32.const 24) (local.get 3))
    (i64.store (i32.const 32) (local.get 4))
    (i64.store (i32.const 40) (local.get 5))
    (i64.store (i32.const 48) (local.get 6))
    (i64.store (i32.const 56) (local.get 7))
    (i64.store (i32.const 64) (local.get 8))
    (i64.store (i32.const 72) (local.get 9))
    (i64.store (i32.const 80) (local.get 10))
    (i64.store (i32.const 88) (local.get 11))
    (i64.store (i32.const 96) (local.get 12))
    (i64.store (i32.const 104) (local.get 13))
    (i64.store (i32.const 112) (local.get 14))
    (i64.store (i32.const 120) (local.get 15))
    (call $wo (i32.const 0) (i32.const 128))))
