;; snapshot_mem_wasm of tests/unit/test_snapshot.c: a memory of 2 pages (up
;; to 4) whose data segment the snapshot must bring back, and a function
;; that writes a byte anywhere and one that grows the memory.
(module
  (memory (export "memory") 2 4)
  (data (i32.const 16) "abc")
  (data (i32.const 70000) "second page")
  (func (export "poke") (param $at i32) (param $v i32)
    (i32.store8 (local.get $at) (local.get $v)))
  (func (export "grow") (result i32)
    (memory.grow (i32.const 1))))
