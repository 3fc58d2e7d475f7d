;; The widest access at the largest address: a v128 load at index and
;; offset 2^32 - 1 ends 14 bytes past 8 GiB from the memory's base.  It must
;; trap as out of bounds (the guarded reservation covers its last byte) and
;; never reach whatever is mapped after the reservation.
(module (memory (export "memory") 1)
  (func (export "_start")
    (drop (v128.load offset=4294967295 (i32.const -1)))))
