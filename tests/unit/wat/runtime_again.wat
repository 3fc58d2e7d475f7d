;; runtime_again_wasm of tests/unit/test_runtime.c (the Makefile builds it with wat2wasm).
(module
  (import "env" "again" (func $again (param i32) (result i32)))
  (func (export "f") (param i32) (result i32)
    (call $again (i32.add (local.get 0) (i32.const 1)))))
