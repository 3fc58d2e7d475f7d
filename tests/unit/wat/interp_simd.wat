;; v128 values where the interpreter lays out frames (test_interp_simd.c):
;; as params among scalars, locals, call and call_indirect arguments and
;; results, multiple results, block params and results, branches carrying
;; them (br_if, and br_table moving more than four slots), select, drop,
;; tee, globals, pooled constants past the pool, and lazy locals pushed
;; out of the compiler's window.  Each export returns scalars the test can
;; check by hand, but `params`, which takes and returns v128 through
;; fl_invoke's slot arrays.
(module
  (memory 1)
  (type $vv_v (func (param v128 v128) (result v128)))
  (table 2 funcref)
  (elem (i32.const 0) $add $sub)
  (global $g (mut v128) (v128.const i32x4 1 2 3 4))

  (func $add (type $vv_v) (i32x4.add (local.get 0) (local.get 1)))
  (func $sub (type $vv_v) (i32x4.sub (local.get 0) (local.get 1)))

  ;; a + b + splat(x) + splat(y) + splat(z): v128s between scalars
  (func (export "params") (param $x i32) (param $a v128) (param $y i64) (param $b v128)
        (param $z f64) (result v128)
    (i32x4.add
      (i32x4.add (local.get $a) (local.get $b))
      (i32x4.add
        (i32x4.splat (local.get $x))
        (i32x4.add (i32x4.splat (i32.wrap_i64 (local.get $y)))
                   (i32x4.splat (i32.trunc_f64_s (local.get $z)))))))

  ;; results: y, v + splat(x), x
  (func $multi (param $x i32) (param $v v128) (param $y i64) (result i64 v128 i32)
    (local.get $y)
    (i32x4.add (local.get $v) (i32x4.splat (local.get $x)))
    (local.get $x))

  (func $sum4 (param $v v128) (result i32)
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $v)) (i32x4.extract_lane 1 (local.get $v)))
      (i32.add (i32x4.extract_lane 2 (local.get $v)) (i32x4.extract_lane 3 (local.get $v)))))

  ;; call, call_indirect and several results, with locals of every width
  (func (export "calls") (param $n i32) (result i32)
    (local $i i32) (local $v v128) (local $l i64) (local $w v128)
    (local.set $v (v128.const i32x4 10 20 30 40))
    (local.set $w (v128.const i32x4 1 1 1 1))
    (local.set $l (i64.const 1000))
    ;; $multi: 1000, v + n, n
    (call $multi (local.get $n) (local.get $v) (local.get $l))
    (local.set $i)                       ;; n
    (local.set $w)                       ;; v + n
    (local.set $l)                       ;; 1000
    ;; (w + v) via table slot 0, minus w via slot 1: v again
    (call_indirect (type $vv_v)
      (call_indirect (type $vv_v) (local.get $w) (local.get $v) (i32.const 0))
      (local.get $w) (i32.const 1))
    (call $sum4)                         ;; 100
    (i32.add (local.get $i))             ;; + n
    (i32.add (i32.wrap_i64 (local.get $l))))   ;; + 1000

  ;; select of v128s, untyped and typed, then drop of a v128
  (func (export "sel") (param $c i32) (result i32)
    (local $a v128) (local $b v128)
    (local.set $a (v128.const i32x4 1 2 3 4))
    (local.set $b (v128.const i32x4 100 200 300 400))
    (call $sum4 (select (local.get $a) (local.get $b) (local.get $c)))
    (v128.const i32x4 7 7 7 7)
    (drop)
    (call $sum4 (select (result v128) (local.get $b) (local.get $a) (local.get $c)))
    (i32.mul (i32.const 10000))
    (i32.add))

  ;; blocks with v128 params and results, br_if carrying them, a loop
  ;; whose param is a v128, if/else with a v128 result
  (func (export "blocks") (param $n i32) (result i32)
    (local $acc v128)
    (v128.const i32x4 1 2 3 4)
    (block $b (param v128) (result v128 i32)
      (i32.const 5)
      (br_if $b (i32.eqz (local.get $n)))      ;; n == 0: lanes 1..4 and 5
      (drop)
      (i32x4.add (v128.const i32x4 100 100 100 100))
      (i32.const 6))
    (drop)
    (loop $l (param v128) (result v128)
      (local.set $acc (i32x4.add (v128.const i32x4 1 1 1 1)))
      (local.get $acc)
      (br_if $l (i32.lt_u (i32x4.extract_lane 0 (local.get $acc)) (i32.const 20))))
    (i32.and (local.get $n) (i32.const 1))
    (if (param v128) (result v128)
      (then (i32x4.mul (v128.const i32x4 2 2 2 2)))
      (else))
    (call $sum4))

  ;; br_table carrying v128 i32 i64 v128 (six slots: one MOVN) to two labels
  (func (export "table") (param $k i32) (result i32)
    (local $r i64) (local $t i32)
    (block $b0 (result v128 i32 i64 v128)
      (block $b1 (result v128 i32 i64 v128)
        (v128.const i32x4 1 2 3 4)
        (i32.const 50)
        (i64.const 600)
        (v128.const i32x4 7000 0 0 0)
        (br_table $b0 $b1 $b0 (local.get $k)))
      ;; through $b1: add another 10000 to the last v128
      (v128.const i32x4 10000 0 0 0)
      (i32x4.add))
    (call $sum4)
    (i64.extend_i32_u)
    (local.set $r)
    (i64.add (local.get $r))
    (i32.wrap_i64)
    (i32.add)
    (local.set $t)
    (call $sum4)
    (i32.add (local.get $t)))

  ;; global.get / global.set of a v128
  (func (export "glob") (param $n i32) (result i32)
    (global.set $g (i32x4.add (global.get $g) (i32x4.splat (local.get $n))))
    (call $sum4 (global.get $g)))

  ;; local.tee of a v128 leaves it on the stack and in the local
  (func (export "tee") (param $n i32) (result i32)
    (local $v v128)
    (local.tee $v (i32x4.splat (local.get $n)))
    (i32x4.add (local.get $v))
    (call $sum4))

  ;; 40 v128 reads (80 entries: past the lazy window of 64) summed
  (func (export "deep") (param $n i32) (result i32)
    (local $v v128)
    (local.set $v (i32x4.splat (local.get $n)))
    (local.get $v) (local.get $v) (local.get $v) (local.get $v) (local.get $v)
    (local.get $v) (local.get $v) (local.get $v) (local.get $v) (local.get $v)
    (local.get $v) (local.get $v) (local.get $v) (local.get $v) (local.get $v)
    (local.get $v) (local.get $v) (local.get $v) (local.get $v) (local.get $v)
    (local.get $v) (local.get $v) (local.get $v) (local.get $v) (local.get $v)
    (local.get $v) (local.get $v) (local.get $v) (local.get $v) (local.get $v)
    (local.get $v) (local.get $v) (local.get $v) (local.get $v) (local.get $v)
    (local.get $v) (local.get $v) (local.get $v) (local.get $v) (local.get $v)
    (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add)
    (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add)
    (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add)
    (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add)
    (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add)
    (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add)
    (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add)
    (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add)
    (call $sum4))

  ;; 36 distinct v128 constants (72 slots: more than the pool holds) summed
  (func (export "consts") (result i32)
    (v128.const i32x4 1 0 0 0) (v128.const i32x4 2 0 0 0) (v128.const i32x4 3 0 0 0)
    (v128.const i32x4 4 0 0 0) (v128.const i32x4 5 0 0 0) (v128.const i32x4 6 0 0 0)
    (v128.const i32x4 7 0 0 0) (v128.const i32x4 8 0 0 0) (v128.const i32x4 9 0 0 0)
    (v128.const i32x4 10 0 0 0) (v128.const i32x4 11 0 0 0) (v128.const i32x4 12 0 0 0)
    (v128.const i32x4 13 0 0 0) (v128.const i32x4 14 0 0 0) (v128.const i32x4 15 0 0 0)
    (v128.const i32x4 16 0 0 0) (v128.const i32x4 17 0 0 0) (v128.const i32x4 18 0 0 0)
    (v128.const i32x4 19 0 0 0) (v128.const i32x4 20 0 0 0) (v128.const i32x4 21 0 0 0)
    (v128.const i32x4 22 0 0 0) (v128.const i32x4 23 0 0 0) (v128.const i32x4 24 0 0 0)
    (v128.const i32x4 25 0 0 0) (v128.const i32x4 26 0 0 0) (v128.const i32x4 27 0 0 0)
    (v128.const i32x4 28 0 0 0) (v128.const i32x4 29 0 0 0) (v128.const i32x4 30 0 0 0)
    (v128.const i32x4 31 0 0 0) (v128.const i32x4 32 0 0 0) (v128.const i32x4 33 0 0 0)
    (v128.const i32x4 34 0 0 0) (v128.const i32x4 35 0 0 0) (v128.const i32x4 36 0 0 1)
    (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add)
    (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add)
    (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add)
    (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add)
    (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add)
    (call $sum4))

  ;; memory: a store, a lane store and load, past the end traps
  (func (export "mem") (param $at i32) (result i32)
    (v128.store offset=16 (local.get $at) (v128.const i32x4 1 2 3 4))
    (v128.store32_lane 3 (local.get $at) (v128.const i32x4 0 0 0 99))
    (call $sum4 (v128.load32_lane 1 (local.get $at)
                  (v128.load offset=16 (local.get $at)))))
)
