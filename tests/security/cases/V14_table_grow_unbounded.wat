;; table.grow a million elements at a time until refused: tables are host
;; memory and count against the memory cap.
(module (memory (export "memory") 1) (table $t 0 funcref)
  (func (export "_start")
    (loop $l (br_if $l (i32.ne (table.grow $t (ref.null func) (i32.const 1000000)) (i32.const -1))))))
