;; malloc_reentry: the guest's exported malloc awaits the output of a call
;; again, so the host calls malloc to hold it, which awaits again... each
;; round nests host and guest frames on the C stack.  The call must end
;; with the trap "call stack exhausted", never a crash of the host.
(module
  (import "env" "__faasm_chain_ptr" (func $chain (param i32 i32 i32) (result i32)))
  (import "env" "__faasm_await_call_output" (func $awo (param i32 i32 i32) (result i32)))
  (import "env" "__faasm_write_output" (func $wo (param i32 i32)))
  (memory (export "memory") 1)
  (table 2 funcref)
  (elem (i32.const 1) $child)
  (global $id (mut i32) (i32.const 0))
  (func $child (result i32) (call $wo (i32.const 0) (i32.const 1)) (i32.const 0))
  (func (export "malloc") (param i32) (result i32)
    (drop (call $awo (global.get $id) (i32.const 16) (i32.const 20)))
    (i32.const 100))
  (func (export "_start")
    (global.set $id (call $chain (i32.const 1) (i32.const 0) (i32.const 0)))
    (drop (call $awo (global.get $id) (i32.const 16) (i32.const 20)))))
