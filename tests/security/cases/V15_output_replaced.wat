;; Setting the output again replaces it: 40 outputs of 48 MiB under a 128 MiB
;; cap must fit, and the host must not keep the replaced copies.
(module
  (import "env" "__faasm_write_output" (func $wo (param i32 i32)))
  (memory (export "memory") 769)
  (func (export "_start") (local $i i32)
    (loop $l
      (call $wo (i32.const 0) (i32.const 50331648))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 40))))))
