;; runtime_e2e_wasm of tests/unit/test_runtime.c (the Makefile builds it with wat2wasm).
(module
  (import "env" "twice" (func $twice (param i32) (result i32)))
  (memory (export "mem") 1 2)
  (global $g (export "g") (mut i32) (i32.const 7))
  (table 2 funcref)  (elem (i32.const 0) $load)  (data (i32.const 16) "\2a")
  (func $load (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "call_host") (param i32) (result i32) (call $twice (local.get 0))))
