;; A lane store one byte past the end of memory writes nothing and traps.
(module (memory (export "memory") 1)
  (func (export "_start")
    (v128.store64_lane offset=65529 1 (i32.const 0) (v128.const i64x2 0 -1))))
