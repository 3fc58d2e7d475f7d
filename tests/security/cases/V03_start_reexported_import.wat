;; _start need not be defined in the module: a re-exported import of another
;; type (fd_write: four i32 parameters) must be refused just the same.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (export "_start" (func $fd_write)))
