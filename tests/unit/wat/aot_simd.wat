;; test_aot.c: v128 across the machine code's boundaries (entries, calls
;; through the runtime, tables, globals) and SIMD loads that must trap.
(module
  (import "other" "vswap" (func $vswap (param v128 i32 v128) (result v128 i64 v128)))
  (type $swap (func (param v128 i32 v128) (result v128 i64 v128)))
  (table 2 funcref)
  (elem (i32.const 0) $vswap $own)
  (memory 1)
  (global $g (export "g") (mut v128) (v128.const i32x4 1 2 3 4))
  (func $own (type $swap) (local.get 2) (i64.const -1) (local.get 0))
  ;; through the runtime to the interpreter, and back
  (func (export "import") (param v128 i32 v128) (result v128 i64 v128)
    (call $vswap (local.get 0) (local.get 1) (local.get 2)))
  (func (export "indirect") (param i32 v128 v128) (result v128 i64 v128)
    (call_indirect (type $swap) (local.get 1) (i32.const 7) (local.get 2) (local.get 0)))
  ;; the global's old value out, a new one in
  (func (export "global_swap") (param v128) (result v128)
    (global.get $g) (global.set $g (local.get 0)))
  ;; loads read in part: each traps when only its last bytes are out of bounds
  (func (export "lane_of_load") (param i32) (result i64)
    (i64x2.extract_lane 0 (v128.load (local.get 0))))
  (func (export "low_of_load") (param i32) (result v128)
    (i64x2.extend_low_i32x4_s (v128.load (local.get 0))))
  (func (export "load_splat") (param i32) (result v128) (v128.load64_splat offset=1 (local.get 0)))
)
