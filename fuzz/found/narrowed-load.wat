;; Loads read only in part, at the end of memory: the backend narrowed each
;; to the part read (4 bytes of an i64.load, 1 of an i32.load), which then
;; did not trap (machine code only; fixed by cg_keep_whole_loads).
(module
  (memory 1)
  (global $at (mut i32) (i32.const 65529))
  (func (export "wrap") (result i32) (i32.wrap_i64 (i64.load (global.get $at))))
  (func (export "mask") (result i32) (i32.and (i32.load offset=4 (global.get $at)) (i32.const 0xff)))
  (func (export "high") (result i32)
    (i32.wrap_i64 (i64.shr_u (i64.load (global.get $at)) (i64.const 32))))
  (func (export "sum") (result i32)
    (i32.wrap_i64 (i64.add (i64.load (global.get $at)) (i64.const 1)))))
