;; Gumbel and logistic noise of the learned layers' straight-through choice, f32x4 SIMD (loaded by
;; src/wasm_noise.ts). Four indices at a time it takes @relax/core's counter-based hash (kernels/logic_noise.ts,
;; noiseHash) and its float32 logarithm (logFloat32) operation for operation, so that every value has the bits
;; of core's gumbelNoise / logisticNoise.
;;   noise(out, n, seed, stream, index0, kind) writes ⌈n / 4⌉·4 floats from byte address out: entry i is the
;;   noise at index index0 + i of the stream (seed, stream); kind 0: Gumbel −ln(−ln u), kind 1: logistic
;;   ln u − ln(1 − u), with u = ((hash >>> 9) + ½)·2⁻²³.
(module
  (memory (export "mem") 1)

  ;; ln x of positive normal floats: x = m·2^e, m in [√½, √2), t = m − 1,
  ;; ln x = t + (t³·P(t) + e·ln2_lo − t²/2) + e·ln2_hi (Cephes' logf polynomial, S. L. Moshier).
  (func $log (param $x v128) (result v128)
    (local $e v128) (local $m v128) (local $small v128) (local $t v128) (local $z v128) (local $y v128) (local $fe v128)
    (local.set $e (i32x4.sub (i32x4.shr_u (local.get $x) (i32.const 23)) (v128.const i32x4 126 126 126 126)))
    (local.set $m
      (v128.or
        (v128.and (local.get $x) (v128.const i32x4 0x007fffff 0x007fffff 0x007fffff 0x007fffff))
        (v128.const i32x4 0x3f000000 0x3f000000 0x3f000000 0x3f000000)))
    ;; m < √½ (float32 0x3f3504f3): e − 1 (the mask is −1) and t = 2m − 1, else t = m − 1
    (local.set $small (f32x4.lt (local.get $m) (v128.const i32x4 0x3f3504f3 0x3f3504f3 0x3f3504f3 0x3f3504f3)))
    (local.set $e (i32x4.add (local.get $e) (local.get $small)))
    (local.set $t
      (v128.bitselect
        (f32x4.sub (f32x4.add (local.get $m) (local.get $m)) (v128.const f32x4 1 1 1 1))
        (f32x4.sub (local.get $m) (v128.const f32x4 1 1 1 1))
        (local.get $small)))
    (local.set $z (f32x4.mul (local.get $t) (local.get $t)))
    (local.set $y (v128.const f32x4 7.0376836292e-2 7.0376836292e-2 7.0376836292e-2 7.0376836292e-2))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $t))
      (v128.const f32x4 -1.1514610310e-1 -1.1514610310e-1 -1.1514610310e-1 -1.1514610310e-1)))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $t))
      (v128.const f32x4 1.1676998740e-1 1.1676998740e-1 1.1676998740e-1 1.1676998740e-1)))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $t))
      (v128.const f32x4 -1.2420140846e-1 -1.2420140846e-1 -1.2420140846e-1 -1.2420140846e-1)))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $t))
      (v128.const f32x4 1.4249322787e-1 1.4249322787e-1 1.4249322787e-1 1.4249322787e-1)))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $t))
      (v128.const f32x4 -1.6668057665e-1 -1.6668057665e-1 -1.6668057665e-1 -1.6668057665e-1)))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $t))
      (v128.const f32x4 2.0000714765e-1 2.0000714765e-1 2.0000714765e-1 2.0000714765e-1)))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $t))
      (v128.const f32x4 -2.4999993993e-1 -2.4999993993e-1 -2.4999993993e-1 -2.4999993993e-1)))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $t))
      (v128.const f32x4 3.3333331174e-1 3.3333331174e-1 3.3333331174e-1 3.3333331174e-1)))
    (local.set $y (f32x4.mul (f32x4.mul (local.get $y) (local.get $t)) (local.get $z)))
    (local.set $fe (f32x4.convert_i32x4_s (local.get $e)))
    (local.set $y (f32x4.add (local.get $y)
      (f32x4.mul (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4) (local.get $fe))))
    (local.set $y (f32x4.add (local.get $y) (f32x4.mul (v128.const f32x4 -0.5 -0.5 -0.5 -0.5) (local.get $z))))
    (f32x4.add
      (f32x4.add (local.get $t) (local.get $y))
      (f32x4.mul (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375) (local.get $fe))))

  (func (export "noise")
    (param $out i32) (param $n i32) (param $seed i32) (param $stream i32) (param $index0 i32) (param $kind i32)
    (local $end i32) (local $base v128) (local $idx v128) (local $h v128) (local $u v128)
    (local.set $end (i32.add (local.get $out) (i32.shl (i32.and (i32.add (local.get $n) (i32.const 3)) (i32.const -4)) (i32.const 2))))
    (local.set $base (i32x4.splat (i32.xor (local.get $seed) (i32.mul (local.get $stream) (i32.const 0x9e3779b1)))))
    (local.set $idx (i32x4.add (i32x4.splat (i32.add (local.get $index0) (i32.const 1))) (v128.const i32x4 0 1 2 3)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
        (local.set $h (v128.xor (local.get $base) (i32x4.mul (local.get $idx) (v128.const i32x4 0x85ebca6b 0x85ebca6b 0x85ebca6b 0x85ebca6b))))
        (local.set $h (i32x4.mul (v128.xor (local.get $h) (i32x4.shr_u (local.get $h) (i32.const 16)))
          (v128.const i32x4 0x85ebca6b 0x85ebca6b 0x85ebca6b 0x85ebca6b)))
        (local.set $h (i32x4.mul (v128.xor (local.get $h) (i32x4.shr_u (local.get $h) (i32.const 13)))
          (v128.const i32x4 0xc2b2ae35 0xc2b2ae35 0xc2b2ae35 0xc2b2ae35)))
        (local.set $h (v128.xor (local.get $h) (i32x4.shr_u (local.get $h) (i32.const 16))))
        (local.set $h (i32x4.mul (v128.xor (local.get $h) (i32x4.shr_u (local.get $h) (i32.const 15)))
          (v128.const i32x4 0x2c1b3c6d 0x2c1b3c6d 0x2c1b3c6d 0x2c1b3c6d)))
        (local.set $h (i32x4.mul (v128.xor (local.get $h) (i32x4.shr_u (local.get $h) (i32.const 12)))
          (v128.const i32x4 0x297a2d39 0x297a2d39 0x297a2d39 0x297a2d39)))
        (local.set $h (v128.xor (local.get $h) (i32x4.shr_u (local.get $h) (i32.const 15))))
        ;; u = ((h >>> 9) + ½)·2⁻²³, exact in float32
        (local.set $u
          (f32x4.mul
            (f32x4.add (f32x4.convert_i32x4_u (i32x4.shr_u (local.get $h) (i32.const 9))) (v128.const f32x4 0.5 0.5 0.5 0.5))
            (v128.const f32x4 0x1p-23 0x1p-23 0x1p-23 0x1p-23)))
        (v128.store (local.get $out)
          (if (result v128) (local.get $kind)
            (then (f32x4.sub (call $log (local.get $u)) (call $log (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $u)))))
            (else (f32x4.neg (call $log (f32x4.neg (call $log (local.get $u))))))))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (local.set $idx (i32x4.add (local.get $idx) (v128.const i32x4 4 4 4 4)))
        (br $l)))))
