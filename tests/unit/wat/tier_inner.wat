;; tier_inner_wasm of tests/unit/test_tier.c: interpreted functions the test tier calls.
(module
  (func (export "inc") (param i32) (result i32)
    (i32.add (local.get 0) (i32.const 1)))
  (func (export "div0") (result i32)
    (i32.div_u (i32.const 1) (i32.const 0))))
