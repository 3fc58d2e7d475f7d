;; test_aot.c: an interpreted module the machine code calls, and that calls
;; machine code back through the table it imports.
(module
  (import "aot" "table" (table 5 funcref))
  (type $ii (func (param i32) (result i32)))
  (func (export "via_table") (param i32 i32) (result i32)
    (call_indirect (type $ii) (local.get 1) (local.get 0)))
)
