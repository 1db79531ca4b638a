;; The module of WasmSelfChecks (run in `swift test` and on the chip): recursion, a loop with
;; i64 arithmetic, a trap. Embedded in Sources/LeveeWasm/SelfChecks.swift by gen_selfcheck.sh.
(module
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "sum") (param i32) (result i64) (local i64)
    (block
      (loop
        (br_if 1 (i32.eqz (local.get 0)))
        (local.set 1 (i64.add (local.get 1) (i64.extend_i32_u (local.get 0))))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br 0)))
    (local.get 1))
  (func (export "div") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func (export "fsqrt") (param f32) (result f32)
    (f32.sqrt (local.get 0))))
