;; runtime_sig_wasm of tests/unit/test_runtime.c (the Makefile builds it with wat2wasm).
(module
  (func (export "many") (result i64 i64 i64 i64 i64 i64 i64 i64)
    (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4)
    (i64.const 5) (i64.const 6) (i64.const 7) (i64.const 8))
  (func (export "fourth") (param i64 i64 i64 i64) (result i64) (local.get 3))
  (func (export "none")))
