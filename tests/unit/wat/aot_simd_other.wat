;; test_aot.c: an interpreted module whose v128 functions machine code calls
;; through the runtime (a v128 is two slots there).
(module
  (func (export "vswap") (param v128 i32 v128) (result v128 i64 v128)
    (local.get 2) (i64.extend_i32_u (local.get 1)) (local.get 0))
)
