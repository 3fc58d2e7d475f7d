;; tier_native_wasm of tests/unit/test_tier.c: a module run by the test tier,
;; whose bodies are never interpreted (the tier implements them in C).
(module
  (import "inner" "inc" (func $inc (param i32) (result i32)))
  (import "inner" "div0" (func $div0 (result i32)))
  (func (export "twice_inc") (param i32) (result i32) unreachable)
  (func (export "boom") (result i32) unreachable))
