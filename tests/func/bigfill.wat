;; bigfill: one memory.fill over 4 GiB - 64 KiB, a single instruction.  A
;; timeout must end it after one chunk (16 MiB), not after the whole fill
;; (30 s and 4 GiB of memory touched before bulk instructions checked the
;; interrupt flag).
(module
  (memory 65535)
  (func (export "_start")
    (memory.fill (i32.const 0) (i32.const 0x5a) (i32.const 0xffff0000))))
