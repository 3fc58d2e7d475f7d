;; faaslet_loop_start_wasm of tests/unit/test_faaslet.c: its start function
;; loops, so instantiating it never ends.
(module
  (memory 1)
  (func $spin (loop (br 0)))
  (func (export "_start"))
  (start $spin))
