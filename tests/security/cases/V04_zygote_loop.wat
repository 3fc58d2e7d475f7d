;; A zygote that never returns is a timeout like any other (F15's sibling).
(module (memory (export "memory") 1)
  (func (export "_faasm_zygote") (loop $l (br $l)))
  (func (export "_start")))
