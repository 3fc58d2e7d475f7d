;; interp_host_wasm of tests/unit/test_interp.c (the Makefile builds it with wat2wasm).
(module
  (import "env" "cb" (func $cb (param i32) (result i32)))
  (func $inner (export "inner") (param i32) (result i32)
    (i32.mul (local.get 0) (i32.const 3)))
  (func (export "outer") (param i32) (result i32) (local i32)
    (local.set 1 (i32.const 1000))
    (i32.add (local.get 1) (i32.add (i32.const 7) (call $cb (local.get 0)))))
  (func (export "deep") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (call $cb (i32.const 1)))
      (else (i32.add (i32.const 1) (call 3 (i32.sub (local.get 0) (i32.const 1))))))))
