;; runtime_tables_wasm of tests/unit/test_runtime.c (the Makefile builds it with wat2wasm).
(module (table 10000000 funcref) (table 10000000 funcref)
  (table 10000000 funcref) (table 10000000 funcref) (memory 1)
  (func (export "_start")))
