;; A loop of nothing but SIMD arithmetic: the timeout ends it on every tier.
(module (memory (export "memory") 1)
  (func (export "_start") (local $v v128)
    (loop $l
      (local.set $v (f32x4.mul (i32x4.add (local.get $v) (local.get $v)) (local.get $v)))
      (br_if $l (i32.eqz (v128.any_true (v128.const i32x4 0 0 0 0)))))))
