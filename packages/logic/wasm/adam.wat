;; Adam's update for @relax/logic's fusedAdam, f32x4 SIMD (loaded by src/wasm_adam.ts).
;; adam(p, g, m, v, pEnd, b1, 1−b1, b2, 1−b2, stepSize, 1/√bc2, eps) walks the byte ranges
;; [p, pEnd), [g, …), [m, …), [v, …) four floats at a time (at least once; lengths padded to 4):
;;   m ← b1·m + (1−b1)·g;   v ← b2·v + (1−b2)·g²;   p ← p − stepSize·m / (√v·(1/√bc2) + eps)
;; finite(p, end) checks a staged gradient for NaN and ±Inf before any variable is updated.
(module
  (func (export "adam")
    (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $end i32)
    (param $b1 f32) (param $omb1 f32) (param $b2 f32) (param $omb2 f32) (param $step f32) (param $isb f32) (param $eps f32)
    (local $off i32)
    (local $B1 v128) (local $OMB1 v128) (local $B2 v128) (local $OMB2 v128) (local $STEP v128) (local $ISB v128) (local $EPS v128)
    (local $gv v128) (local $mv v128) (local $vv v128)
    (local.set $B1 (f32x4.splat (local.get $b1)))
    (local.set $OMB1 (f32x4.splat (local.get $omb1)))
    (local.set $B2 (f32x4.splat (local.get $b2)))
    (local.set $OMB2 (f32x4.splat (local.get $omb2)))
    (local.set $STEP (f32x4.splat (local.get $step)))
    (local.set $ISB (f32x4.splat (local.get $isb)))
    (local.set $EPS (f32x4.splat (local.get $eps)))
    (local.set $off (i32.const 0))
    (loop $l
      (local.set $gv (v128.load (i32.add (local.get $g) (local.get $off))))
      (v128.store (i32.add (local.get $m) (local.get $off))
        (local.tee $mv
          (f32x4.add
            (f32x4.mul (local.get $B1) (v128.load (i32.add (local.get $m) (local.get $off))))
            (f32x4.mul (local.get $OMB1) (local.get $gv)))))
      (v128.store (i32.add (local.get $v) (local.get $off))
        (local.tee $vv
          (f32x4.add
            (f32x4.mul (local.get $B2) (v128.load (i32.add (local.get $v) (local.get $off))))
            (f32x4.mul (local.get $OMB2) (f32x4.mul (local.get $gv) (local.get $gv))))))
      (v128.store (i32.add (local.get $p) (local.get $off))
        (f32x4.sub
          (v128.load (i32.add (local.get $p) (local.get $off)))
          (f32x4.div
            (f32x4.mul (local.get $STEP) (local.get $mv))
            (f32x4.add (f32x4.mul (f32x4.sqrt (local.get $vv)) (local.get $ISB)) (local.get $EPS)))))
      (br_if $l
        (i32.lt_u
          (i32.add (local.tee $off (i32.add (local.get $off) (i32.const 16))) (local.get $p))
          (local.get $end)))))
  ;; finite(p, end) = 1 when no float of [p, end) is NaN or ±Inf (exponent bits all ones), else 0: four at a time
  ;; (at least once; the caller zeroes the padding).
  (func (export "finite") (param $p i32) (param $end i32) (result i32)
    (local $bad v128)
    (loop $l
      (local.set $bad
        (v128.or (local.get $bad)
          (i32x4.eq
            (v128.and (v128.load (local.get $p)) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000))
            (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000))))
      (br_if $l (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (local.get $end))))
    (i32.eqz (v128.any_true (local.get $bad))))
  (memory (export "mem") 1))
