;; faaslet_full_wasm of tests/unit/test_faaslet.c (the Makefile builds it with wat2wasm).
(module (memory (export "memory") 1)
  (func (export "_start") (drop (memory.grow (i32.const 31))) unreachable))
