;; tier_outer_wasm of tests/unit/test_tier.c: interpreted code calling into the test tier.
(module
  (import "native" "twice_inc" (func $twice_inc (param i32) (result i32)))
  (import "native" "boom" (func $boom (result i32)))
  (func (export "run") (param i32) (result i32)
    (i32.mul (call $twice_inc (local.get 0)) (i32.const 10)))
  (func (export "run_boom") (result i32)
    (call $boom)))
