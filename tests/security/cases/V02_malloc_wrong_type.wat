;; await_call_output calls the guest's exported malloc: one of another type
;; (here two i64 results) must be refused at load.
(module
  (import "env" "__faasm_chain_ptr" (func $chain (param i32 i32 i32) (result i32)))
  (import "env" "__faasm_await_call_output" (func $awo (param i32 i32 i32) (result i32)))
  (import "env" "__faasm_write_output" (func $wo (param i32 i32)))
  (memory (export "memory") 1)
  (table 2 funcref) (elem (i32.const 1) $child)
  (func $child (result i32) (call $wo (i32.const 0) (i32.const 8)) (i32.const 0))
  (func (export "malloc") (param i64) (result i64 i64) (i64.const 0x4141414141414141) (i64.const 0x4141414141414141))
  (func (export "_start")
    (drop (call $awo (call $chain (i32.const 1) (i32.const 0) (i32.const 0)) (i32.const 16) (i32.const 20)))))
