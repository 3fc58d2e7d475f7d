;; proc_exit(-1): a status a process exit status cannot carry exactly.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const -1))))
