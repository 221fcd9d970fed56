;; Fused LogicLayer training kernels for @relax/logic (loaded by src/wasm_layer.ts), f32x4 SIMD: four
;; samples per instruction over feature-major activations (row = one feature over the batch, padded to
;; Bbytes = 16·⌈B/4⌉ bytes). A neuron j reads rows A, B (absolute byte addresses ab[2j], ab[2j+1]) and
;; applies its gate mixture in coefficient form c = pᵀ·M: y = c0 + c1·A + (c2 + c3·A)·B, where M is the
;; 16 × 4 table GATE_COEFFS of src/gates.ts (its columns are the v128 constants of $bwd and $prep).
;; Every loop runs at least once (callers never pass empty ranges).
(module
  ;; fwd(y, ab, c, abEnd, Bbytes): per neuron (ab advances by 8 up to abEnd, c by 16: four f32
  ;; coefficients, y by Bbytes) Y = c0 + c1·A + (c2 + c3·A)·B.
  (func (export "fwd") (param $y i32) (param $ab i32) (param $c i32) (param $end i32) (param $bb i32)
    (local $xa i32) (local $xb i32) (local $r i32)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $av v128)
    (loop $neurons
      (local.set $xa (i32.load (local.get $ab)))
      (local.set $xb (i32.load offset=4 (local.get $ab)))
      (local.set $c0 (f32x4.splat (f32.load (local.get $c))))
      (local.set $c1 (f32x4.splat (f32.load offset=4 (local.get $c))))
      (local.set $c2 (f32x4.splat (f32.load offset=8 (local.get $c))))
      (local.set $c3 (f32x4.splat (f32.load offset=12 (local.get $c))))
      (local.set $r (i32.const 0))
      (loop $rows
        (i32.add (local.get $y) (local.get $r)) ;; the store's address, then A, then the value
        (local.set $av (v128.load (i32.add (local.get $xa) (local.get $r))))
        (f32x4.add
          (f32x4.add (local.get $c0) (f32x4.mul (local.get $c1) (local.get $av)))
          (f32x4.mul
            (f32x4.add (local.get $c2) (f32x4.mul (local.get $c3) (local.get $av)))
            (v128.load (i32.add (local.get $xb) (local.get $r)))))
        v128.store
        (br_if $rows (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 16))) (local.get $bb))))
      (local.set $y (i32.add (local.get $y) (local.get $bb)))
      (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (br_if $neurons (i32.lt_u (local.tee $ab (i32.add (local.get $ab) (i32.const 8))) (local.get $end)))))

  ;; bwd(dy, ab, cg, abEnd, Bbytes, delta, dz, p): per neuron, with g = its dY row and cg = the
  ;; gradFactor-scaled [c1, c2, c3, ·]: dX[A] += g·(c1 + c3·B), then dX[B] += g·(c2 + c3·A) (dX rows lie
  ;; `delta` bytes after the X rows; with A = B the second update reads the first), and the statistics
  ;; S = Σ g·[1, A, B, A·B] (in lanes, then summed). From them the fused logit gradient of the 16 gate
  ;; probabilities p (16 f32 at p): dp = M·S, dz = p ⊙ (dp − Σ p·dp) (16 f32 at dz). p and dz advance
  ;; by 64 bytes a neuron, cg by 16, dy by Bbytes.
  (func (export "bwd")
    (param $dy i32) (param $ab i32) (param $cg i32) (param $end i32) (param $bb i32) (param $delta i32) (param $dz i32) (param $p i32)
    (local $xa i32) (local $xb i32) (local $r i32) (local $da i32) (local $db i32)
    (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $g v128) (local $av v128) (local $bv v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $ga v128) (local $t0 v128)
    (local $dp0 v128) (local $dp1 v128) (local $dp2 v128) (local $dp3 v128)
    (local $p0 v128) (local $p1 v128) (local $p2 v128) (local $p3 v128)
    (loop $neurons
      (local.set $xa (i32.load (local.get $ab)))
      (local.set $xb (i32.load offset=4 (local.get $ab)))
      (local.set $da (i32.add (local.get $xa) (local.get $delta)))
      (local.set $db (i32.add (local.get $xb) (local.get $delta)))
      (local.set $c1 (f32x4.splat (f32.load (local.get $cg))))
      (local.set $c2 (f32x4.splat (f32.load offset=4 (local.get $cg))))
      (local.set $c3 (f32x4.splat (f32.load offset=8 (local.get $cg))))
      (local.set $s0 (v128.const i32x4 0 0 0 0))
      (local.set $s1 (v128.const i32x4 0 0 0 0))
      (local.set $s2 (v128.const i32x4 0 0 0 0))
      (local.set $s3 (v128.const i32x4 0 0 0 0))
      (local.set $r (i32.const 0))
      (loop $rows
        (local.set $g (v128.load (i32.add (local.get $dy) (local.get $r))))
        (local.set $av (v128.load (i32.add (local.get $xa) (local.get $r))))
        (local.set $bv (v128.load (i32.add (local.get $xb) (local.get $r))))
        (v128.store (i32.add (local.get $da) (local.get $r))
          (f32x4.add (v128.load (i32.add (local.get $da) (local.get $r)))
            (f32x4.mul (local.get $g) (f32x4.add (local.get $c1) (f32x4.mul (local.get $c3) (local.get $bv))))))
        (v128.store (i32.add (local.get $db) (local.get $r))
          (f32x4.add (v128.load (i32.add (local.get $db) (local.get $r)))
            (f32x4.mul (local.get $g) (f32x4.add (local.get $c2) (f32x4.mul (local.get $c3) (local.get $av))))))
        (local.set $s0 (f32x4.add (local.get $s0) (local.get $g)))
        (local.set $ga (f32x4.mul (local.get $g) (local.get $av)))
        (local.set $s1 (f32x4.add (local.get $s1) (local.get $ga)))
        (local.set $s2 (f32x4.add (local.get $s2) (f32x4.mul (local.get $g) (local.get $bv))))
        (local.set $s3 (f32x4.add (local.get $s3) (f32x4.mul (local.get $ga) (local.get $bv))))
        (br_if $rows (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 16))) (local.get $bb))))
      (local.set $t0 (f32x4.add (local.get $s0) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $s0) (local.get $s0))))
      (local.set $s0 (f32x4.add (local.get $t0) (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $t0) (local.get $t0))))
      (local.set $t0 (f32x4.add (local.get $s1) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $s1) (local.get $s1))))
      (local.set $s1 (f32x4.add (local.get $t0) (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $t0) (local.get $t0))))
      (local.set $t0 (f32x4.add (local.get $s2) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $s2) (local.get $s2))))
      (local.set $s2 (f32x4.add (local.get $t0) (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $t0) (local.get $t0))))
      (local.set $t0 (f32x4.add (local.get $s3) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $s3) (local.get $s3))))
      (local.set $s3 (f32x4.add (local.get $t0) (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $t0) (local.get $t0))))
      ;; gates 0–3: dp = S·M[gate], p from memory
      (local.set $dp0
        (f32x4.add
          (f32x4.add
            (f32x4.add
              (f32x4.mul (local.get $s0) (v128.const f32x4 0 0 0 0))
              (f32x4.mul (local.get $s1) (v128.const f32x4 0 0 1 1)))
            (f32x4.mul (local.get $s2) (v128.const f32x4 0 0 0 0)))
          (f32x4.mul (local.get $s3) (v128.const f32x4 0 1 -1 0))))
      (local.set $p0 (v128.load offset=0 (local.get $p)))
      ;; gates 4–7: dp = S·M[gate], p from memory
      (local.set $dp1
        (f32x4.add
          (f32x4.add
            (f32x4.add
              (f32x4.mul (local.get $s0) (v128.const f32x4 0 0 0 0))
              (f32x4.mul (local.get $s1) (v128.const f32x4 0 0 1 1)))
            (f32x4.mul (local.get $s2) (v128.const f32x4 1 1 1 1)))
          (f32x4.mul (local.get $s3) (v128.const f32x4 -1 0 -2 -1))))
      (local.set $p1 (v128.load offset=16 (local.get $p)))
      ;; gates 8–11: dp = S·M[gate], p from memory
      (local.set $dp2
        (f32x4.add
          (f32x4.add
            (f32x4.add
              (f32x4.mul (local.get $s0) (v128.const f32x4 1 1 1 1))
              (f32x4.mul (local.get $s1) (v128.const f32x4 -1 -1 0 0)))
            (f32x4.mul (local.get $s2) (v128.const f32x4 -1 -1 -1 -1)))
          (f32x4.mul (local.get $s3) (v128.const f32x4 1 2 0 1))))
      (local.set $p2 (v128.load offset=32 (local.get $p)))
      ;; gates 12–15: dp = S·M[gate], p from memory
      (local.set $dp3
        (f32x4.add
          (f32x4.add
            (f32x4.add
              (f32x4.mul (local.get $s0) (v128.const f32x4 1 1 1 1))
              (f32x4.mul (local.get $s1) (v128.const f32x4 -1 -1 0 0)))
            (f32x4.mul (local.get $s2) (v128.const f32x4 0 0 0 0)))
          (f32x4.mul (local.get $s3) (v128.const f32x4 0 1 -1 0))))
      (local.set $p3 (v128.load offset=48 (local.get $p)))
      (local.set $ga
        (f32x4.add
          (f32x4.add
            (f32x4.add (f32x4.mul (local.get $p0) (local.get $dp0)) (f32x4.mul (local.get $p1) (local.get $dp1)))
            (f32x4.mul (local.get $p2) (local.get $dp2)))
          (f32x4.mul (local.get $p3) (local.get $dp3))))
      (local.set $t0 (f32x4.add (local.get $ga) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $ga) (local.get $ga))))
      (local.set $ga (f32x4.add (local.get $t0) (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $t0) (local.get $t0))))
      (v128.store offset=0 (local.get $dz) (f32x4.mul (local.get $p0) (f32x4.sub (local.get $dp0) (local.get $ga))))
      (v128.store offset=16 (local.get $dz) (f32x4.mul (local.get $p1) (f32x4.sub (local.get $dp1) (local.get $ga))))
      (v128.store offset=32 (local.get $dz) (f32x4.mul (local.get $p2) (f32x4.sub (local.get $dp2) (local.get $ga))))
      (v128.store offset=48 (local.get $dz) (f32x4.mul (local.get $p3) (f32x4.sub (local.get $dp3) (local.get $ga))))
      (local.set $dz (i32.add (local.get $dz) (i32.const 64)))
      (local.set $p (i32.add (local.get $p) (i32.const 64)))
      (local.set $dy (i32.add (local.get $dy) (local.get $bb)))
      (local.set $cg (i32.add (local.get $cg) (i32.const 16)))
      (br_if $neurons (i32.lt_u (local.tee $ab (i32.add (local.get $ab) (i32.const 8))) (local.get $end)))))

  ;; prep(z, p, c, zEnd): per neuron (16 f32 logits at z, advancing by 64 up to zEnd) the train-mode
  ;; probabilities p = softmax(z) (16 f32 at p) and the coefficients c = pᵀ·M (4 f32 at c). e^x (x ≤ 0,
  ;; written out for each of the four vectors z0…z3): clamp x at −87, n = round(x·log₂e), r = x − n·ln2
  ;; (ln2 in two parts), Cephes' degree-5 expf polynomial 1 + r + r²·P(r), times 2ⁿ built in the exponent bits.
  (func (export "prep") (param $z i32) (param $po i32) (param $co i32) (param $end i32)
    (local $z0 v128) (local $z1 v128) (local $z2 v128) (local $z3 v128) (local $mx v128) (local $t v128) (local $x v128) (local $n v128) (local $y v128)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (loop $neurons
      (local.set $z0 (v128.load (local.get $z)))
      (local.set $z1 (v128.load offset=16 (local.get $z)))
      (local.set $z2 (v128.load offset=32 (local.get $z)))
      (local.set $z3 (v128.load offset=48 (local.get $z)))
      ;; the largest logit, in every lane
      (local.set $mx (f32x4.max (f32x4.max (local.get $z0) (local.get $z1)) (f32x4.max (local.get $z2) (local.get $z3))))
      (local.set $t (f32x4.max (local.get $mx) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $mx) (local.get $mx))))
      (local.set $mx (f32x4.max (local.get $t) (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $t) (local.get $t))))
      (local.set $x (f32x4.sub (local.get $z0) (local.get $mx)))
      (local.set $x (f32x4.max (local.get $x) (v128.const f32x4 -87 -87 -87 -87)))
      (local.set $n (f32x4.nearest (f32x4.mul (local.get $x) (v128.const f32x4 1.4426950408889634 1.4426950408889634 1.4426950408889634 1.4426950408889634))))
      (local.set $x
        (f32x4.add
          (f32x4.add (local.get $x) (f32x4.mul (local.get $n) (v128.const f32x4 -0.693359375 -0.693359375 -0.693359375 -0.693359375)))
          (f32x4.mul (local.get $n) (v128.const f32x4 2.1219444e-4 2.1219444e-4 2.1219444e-4 2.1219444e-4))))
      (v128.const f32x4 1.98756915e-4 1.98756915e-4 1.98756915e-4 1.98756915e-4) ;; y = 1 + r + r²·P(r), P by Horner on the stack
      (f32x4.add (f32x4.mul (local.get $x)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3))
      (f32x4.add (f32x4.mul (local.get $x)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3))
      (f32x4.add (f32x4.mul (local.get $x)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2))
      (f32x4.add (f32x4.mul (local.get $x)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1))
      (f32x4.add (f32x4.mul (local.get $x)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1))
      (f32x4.add (f32x4.add (f32x4.mul (f32x4.mul (local.get $x)) (local.get $x)) (local.get $x)) (v128.const f32x4 1 1 1 1))
      (local.set $y)
      (local.set $z0
        (f32x4.mul (local.get $y)
          (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (i32x4.splat (i32.const 127))) (i32.const 23))))
      (local.set $x (f32x4.sub (local.get $z1) (local.get $mx)))
      (local.set $x (f32x4.max (local.get $x) (v128.const f32x4 -87 -87 -87 -87)))
      (local.set $n (f32x4.nearest (f32x4.mul (local.get $x) (v128.const f32x4 1.4426950408889634 1.4426950408889634 1.4426950408889634 1.4426950408889634))))
      (local.set $x
        (f32x4.add
          (f32x4.add (local.get $x) (f32x4.mul (local.get $n) (v128.const f32x4 -0.693359375 -0.693359375 -0.693359375 -0.693359375)))
          (f32x4.mul (local.get $n) (v128.const f32x4 2.1219444e-4 2.1219444e-4 2.1219444e-4 2.1219444e-4))))
      (v128.const f32x4 1.98756915e-4 1.98756915e-4 1.98756915e-4 1.98756915e-4) ;; y = 1 + r + r²·P(r), P by Horner on the stack
      (f32x4.add (f32x4.mul (local.get $x)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3))
      (f32x4.add (f32x4.mul (local.get $x)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3))
      (f32x4.add (f32x4.mul (local.get $x)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2))
      (f32x4.add (f32x4.mul (local.get $x)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1))
      (f32x4.add (f32x4.mul (local.get $x)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1))
      (f32x4.add (f32x4.add (f32x4.mul (f32x4.mul (local.get $x)) (local.get $x)) (local.get $x)) (v128.const f32x4 1 1 1 1))
      (local.set $y)
      (local.set $z1
        (f32x4.mul (local.get $y)
          (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (i32x4.splat (i32.const 127))) (i32.const 23))))
      (local.set $x (f32x4.sub (local.get $z2) (local.get $mx)))
      (local.set $x (f32x4.max (local.get $x) (v128.const f32x4 -87 -87 -87 -87)))
      (local.set $n (f32x4.nearest (f32x4.mul (local.get $x) (v128.const f32x4 1.4426950408889634 1.4426950408889634 1.4426950408889634 1.4426950408889634))))
      (local.set $x
        (f32x4.add
          (f32x4.add (local.get $x) (f32x4.mul (local.get $n) (v128.const f32x4 -0.693359375 -0.693359375 -0.693359375 -0.693359375)))
          (f32x4.mul (local.get $n) (v128.const f32x4 2.1219444e-4 2.1219444e-4 2.1219444e-4 2.1219444e-4))))
      (v128.const f32x4 1.98756915e-4 1.98756915e-4 1.98756915e-4 1.98756915e-4) ;; y = 1 + r + r²·P(r), P by Horner on the stack
      (f32x4.add (f32x4.mul (local.get $x)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3))
      (f32x4.add (f32x4.mul (local.get $x)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3))
      (f32x4.add (f32x4.mul (local.get $x)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2))
      (f32x4.add (f32x4.mul (local.get $x)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1))
      (f32x4.add (f32x4.mul (local.get $x)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1))
      (f32x4.add (f32x4.add (f32x4.mul (f32x4.mul (local.get $x)) (local.get $x)) (local.get $x)) (v128.const f32x4 1 1 1 1))
      (local.set $y)
      (local.set $z2
        (f32x4.mul (local.get $y)
          (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (i32x4.splat (i32.const 127))) (i32.const 23))))
      (local.set $x (f32x4.sub (local.get $z3) (local.get $mx)))
      (local.set $x (f32x4.max (local.get $x) (v128.const f32x4 -87 -87 -87 -87)))
      (local.set $n (f32x4.nearest (f32x4.mul (local.get $x) (v128.const f32x4 1.4426950408889634 1.4426950408889634 1.4426950408889634 1.4426950408889634))))
      (local.set $x
        (f32x4.add
          (f32x4.add (local.get $x) (f32x4.mul (local.get $n) (v128.const f32x4 -0.693359375 -0.693359375 -0.693359375 -0.693359375)))
          (f32x4.mul (local.get $n) (v128.const f32x4 2.1219444e-4 2.1219444e-4 2.1219444e-4 2.1219444e-4))))
      (v128.const f32x4 1.98756915e-4 1.98756915e-4 1.98756915e-4 1.98756915e-4) ;; y = 1 + r + r²·P(r), P by Horner on the stack
      (f32x4.add (f32x4.mul (local.get $x)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3))
      (f32x4.add (f32x4.mul (local.get $x)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3))
      (f32x4.add (f32x4.mul (local.get $x)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2))
      (f32x4.add (f32x4.mul (local.get $x)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1))
      (f32x4.add (f32x4.mul (local.get $x)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1))
      (f32x4.add (f32x4.add (f32x4.mul (f32x4.mul (local.get $x)) (local.get $x)) (local.get $x)) (v128.const f32x4 1 1 1 1))
      (local.set $y)
      (local.set $z3
        (f32x4.mul (local.get $y)
          (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (i32x4.splat (i32.const 127))) (i32.const 23))))
      ;; 1 / Σ e^(z − max)
      (local.set $mx (f32x4.add (f32x4.add (f32x4.add (local.get $z0) (local.get $z1)) (local.get $z2)) (local.get $z3)))
      (v128.const f32x4 1 1 1 1)
      (local.set $t (f32x4.add (local.get $mx) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $mx) (local.get $mx))))
      (f32x4.div (f32x4.add (local.get $t) (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $t) (local.get $t))))
      (local.set $mx)
      (v128.store (local.get $po) (local.tee $z0 (f32x4.mul (local.get $z0) (local.get $mx))))
      (v128.store offset=16 (local.get $po) (local.tee $z1 (f32x4.mul (local.get $z1) (local.get $mx))))
      (v128.store offset=32 (local.get $po) (local.tee $z2 (f32x4.mul (local.get $z2) (local.get $mx))))
      (v128.store offset=48 (local.get $po) (local.tee $z3 (f32x4.mul (local.get $z3) (local.get $mx))))
      ;; acc_col = Σ_k p_k ⊙ Mcol_k (lanes: 4 gates each), then c = [Σ acc0, Σ acc1, Σ acc2, Σ acc3]
      (local.set $acc0
        (f32x4.add
          (f32x4.add
            (f32x4.add
              (f32x4.mul (local.get $z0) (v128.const f32x4 0 0 0 0))
              (f32x4.mul (local.get $z1) (v128.const f32x4 0 0 0 0)))
            (f32x4.mul (local.get $z2) (v128.const f32x4 1 1 1 1)))
          (f32x4.mul (local.get $z3) (v128.const f32x4 1 1 1 1))))
      (local.set $acc1
        (f32x4.add
          (f32x4.add
            (f32x4.add
              (f32x4.mul (local.get $z0) (v128.const f32x4 0 0 1 1))
              (f32x4.mul (local.get $z1) (v128.const f32x4 0 0 1 1)))
            (f32x4.mul (local.get $z2) (v128.const f32x4 -1 -1 0 0)))
          (f32x4.mul (local.get $z3) (v128.const f32x4 -1 -1 0 0))))
      (local.set $acc2
        (f32x4.add
          (f32x4.add
            (f32x4.add
              (f32x4.mul (local.get $z0) (v128.const f32x4 0 0 0 0))
              (f32x4.mul (local.get $z1) (v128.const f32x4 1 1 1 1)))
            (f32x4.mul (local.get $z2) (v128.const f32x4 -1 -1 -1 -1)))
          (f32x4.mul (local.get $z3) (v128.const f32x4 0 0 0 0))))
      (local.set $acc3
        (f32x4.add
          (f32x4.add
            (f32x4.add
              (f32x4.mul (local.get $z0) (v128.const f32x4 0 1 -1 0))
              (f32x4.mul (local.get $z1) (v128.const f32x4 -1 0 -2 -1)))
            (f32x4.mul (local.get $z2) (v128.const f32x4 1 2 0 1)))
          (f32x4.mul (local.get $z3) (v128.const f32x4 0 1 -1 0))))
      (local.set $t
        (f32x4.add
          (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $acc0) (local.get $acc1))
          (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $acc0) (local.get $acc1))))
      (local.set $x
        (f32x4.add
          (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $acc2) (local.get $acc3))
          (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $acc2) (local.get $acc3))))
      (v128.store (local.get $co)
        (f32x4.add
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t) (local.get $x))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t) (local.get $x))))
      (local.set $po (i32.add (local.get $po) (i32.const 64)))
      (local.set $co (i32.add (local.get $co) (i32.const 16)))
      (br_if $neurons (i32.lt_u (local.tee $z (i32.add (local.get $z) (i32.const 64))) (local.get $end)))))
  ;; pick(z, g, s, best, zEnd, inv, gStep): the straight-through gate choice of softmax16 gates. Per neuron (16 f32
  ;; logits at z, advancing by 64 up to zEnd; 16 f32 noise draws at g, advancing by gStep: 64, or 0 over 16 zeros
  ;; for no noise): x = z + g in f64, its argmax (the first x equal to the largest) as an i32 at best (advancing by
  ;; 4), and s = f32(x · inv), the logits of the relaxed softmax (which prep then takes). The f64 sums, the
  ;; rounding and the first maximum are those of learned_choice's noisyGateLogits.
  (func (export "pick") (param $z i32) (param $g i32) (param $s i32) (param $bo i32) (param $end i32) (param $inv f64) (param $gs i32)
    (local $vz v128) (local $vg v128) (local $iv v128) (local $mx v128)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128) (local $x4 v128) (local $x5 v128) (local $x6 v128) (local $x7 v128)
    (local.set $iv (f64x2.splat (local.get $inv)))
    (loop $neurons
      (local.set $vz (v128.load offset=0 (local.get $z)))
      (local.set $vg (v128.load offset=0 (local.get $g)))
      (local.set $x0 (f64x2.add (f64x2.promote_low_f32x4 (local.get $vz)) (f64x2.promote_low_f32x4 (local.get $vg))))
      (local.set $x1 (f64x2.add (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $vz) (local.get $vz))) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $vg) (local.get $vg)))))
      (v128.store offset=0 (local.get $s)
        (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (f32x4.demote_f64x2_zero (f64x2.mul (local.get $x0) (local.get $iv)))
          (f32x4.demote_f64x2_zero (f64x2.mul (local.get $x1) (local.get $iv)))))
      (local.set $vz (v128.load offset=16 (local.get $z)))
      (local.set $vg (v128.load offset=16 (local.get $g)))
      (local.set $x2 (f64x2.add (f64x2.promote_low_f32x4 (local.get $vz)) (f64x2.promote_low_f32x4 (local.get $vg))))
      (local.set $x3 (f64x2.add (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $vz) (local.get $vz))) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $vg) (local.get $vg)))))
      (v128.store offset=16 (local.get $s)
        (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (f32x4.demote_f64x2_zero (f64x2.mul (local.get $x2) (local.get $iv)))
          (f32x4.demote_f64x2_zero (f64x2.mul (local.get $x3) (local.get $iv)))))
      (local.set $vz (v128.load offset=32 (local.get $z)))
      (local.set $vg (v128.load offset=32 (local.get $g)))
      (local.set $x4 (f64x2.add (f64x2.promote_low_f32x4 (local.get $vz)) (f64x2.promote_low_f32x4 (local.get $vg))))
      (local.set $x5 (f64x2.add (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $vz) (local.get $vz))) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $vg) (local.get $vg)))))
      (v128.store offset=32 (local.get $s)
        (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (f32x4.demote_f64x2_zero (f64x2.mul (local.get $x4) (local.get $iv)))
          (f32x4.demote_f64x2_zero (f64x2.mul (local.get $x5) (local.get $iv)))))
      (local.set $vz (v128.load offset=48 (local.get $z)))
      (local.set $vg (v128.load offset=48 (local.get $g)))
      (local.set $x6 (f64x2.add (f64x2.promote_low_f32x4 (local.get $vz)) (f64x2.promote_low_f32x4 (local.get $vg))))
      (local.set $x7 (f64x2.add (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $vz) (local.get $vz))) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $vg) (local.get $vg)))))
      (v128.store offset=48 (local.get $s)
        (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (f32x4.demote_f64x2_zero (f64x2.mul (local.get $x6) (local.get $iv)))
          (f32x4.demote_f64x2_zero (f64x2.mul (local.get $x7) (local.get $iv)))))
      ;; the largest x in both lanes, then the mask of the x equal to it; best = its lowest set bit
      (local.set $mx (f64x2.max (f64x2.max (f64x2.max (local.get $x0) (local.get $x1)) (f64x2.max (local.get $x2) (local.get $x3)))
        (f64x2.max (f64x2.max (local.get $x4) (local.get $x5)) (f64x2.max (local.get $x6) (local.get $x7)))))
      (local.set $mx (f64x2.max (local.get $mx) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $mx) (local.get $mx))))
      (i32.store (local.get $bo) (i32.ctz
        (i32.or (i32.or (i32.or (i32.or (i32.or (i32.or (i32.or (i64x2.bitmask (f64x2.eq (local.get $x0) (local.get $mx)))
          (i32.shl (i64x2.bitmask (f64x2.eq (local.get $x1) (local.get $mx))) (i32.const 2)))
          (i32.shl (i64x2.bitmask (f64x2.eq (local.get $x2) (local.get $mx))) (i32.const 4)))
          (i32.shl (i64x2.bitmask (f64x2.eq (local.get $x3) (local.get $mx))) (i32.const 6)))
          (i32.shl (i64x2.bitmask (f64x2.eq (local.get $x4) (local.get $mx))) (i32.const 8)))
          (i32.shl (i64x2.bitmask (f64x2.eq (local.get $x5) (local.get $mx))) (i32.const 10)))
          (i32.shl (i64x2.bitmask (f64x2.eq (local.get $x6) (local.get $mx))) (i32.const 12)))
          (i32.shl (i64x2.bitmask (f64x2.eq (local.get $x7) (local.get $mx))) (i32.const 14)))))
      (local.set $g (i32.add (local.get $g) (local.get $gs)))
      (local.set $s (i32.add (local.get $s) (i32.const 64)))
      (local.set $bo (i32.add (local.get $bo) (i32.const 4)))
      (br_if $neurons (i32.lt_u (local.tee $z (i32.add (local.get $z) (i32.const 64))) (local.get $end)))))

  ;; gsum(x, acc, xEnd, Bbytes): GroupSum's class sum. acc (Bbytes/4 f64) = Σ over the rows from x (advancing by
  ;; Bbytes up to xEnd) of the row, each f32 widened to f64 and added in row order (as the JS loop).
  (func (export "gsum") (param $x i32) (param $acc i32) (param $end i32) (param $bb i32)
    (local $r i32) (local $v v128) (local $a i32)
    (local.set $r (i32.const 0))
    (loop $zero
      (v128.store (i32.add (local.get $acc) (local.get $r)) (v128.const i64x2 0 0))
      (br_if $zero (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 16))) (i32.shl (local.get $bb) (i32.const 1)))))
    (loop $rows
      (local.set $r (i32.const 0))
      (loop $lanes
        (local.set $v (v128.load (i32.add (local.get $x) (local.get $r))))
        (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $r) (i32.const 1))))
        (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (f64x2.promote_low_f32x4 (local.get $v))))
        (v128.store offset=16 (local.get $a)
          (f64x2.add (v128.load offset=16 (local.get $a))
            (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
        (br_if $lanes (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 16))) (local.get $bb))))
      (br_if $rows (i32.lt_u (local.tee $x (i32.add (local.get $x) (local.get $bb))) (local.get $end)))))

  ;; bcast(dst, col, dstEnd, Bbytes): the GroupSum gradient of one class, the row at col copied to every row from dst
  ;; (advancing by Bbytes up to dstEnd).
  (func (export "bcast") (param $dst i32) (param $col i32) (param $end i32) (param $bb i32)
    (local $r i32)
    (loop $rows
      (local.set $r (i32.const 0))
      (loop $lanes
        (v128.store (i32.add (local.get $dst) (local.get $r)) (v128.load (i32.add (local.get $col) (local.get $r))))
        (br_if $lanes (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 16))) (local.get $bb))))
      (br_if $rows (i32.lt_u (local.tee $dst (i32.add (local.get $dst) (local.get $bb))) (local.get $end)))))
  (memory (export "mem") 1))
