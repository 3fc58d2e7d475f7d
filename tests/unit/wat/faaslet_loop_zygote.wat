;; faaslet_loop_zygote_wasm of tests/unit/test_faaslet.c: its _faasm_zygote
;; loops.
(module
  (memory 1)
  (func (export "_faasm_zygote") (loop (br 0)))
  (func (export "_start")))
