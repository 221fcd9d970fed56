;; Hot loops of the fused NeuralSort / SoftSort kernels (@relax/sort), f64x2 SIMD, one batch row per call.
;; The caller (src/kernels/baselines_wasm.ts) lays out, 16-byte aligned, the row's float64 vectors padded to
;; an even length np (pad lanes: see each function) and the f32 n×n blocks P (and G) with row stride n; a
;; pair (i, i+1) with i + 1 = n (odd n) reads and writes its first lane only.
;;
;; ns_fwd  NeuralSort forward: row j of P is softmax_i(z[j, i]), z[j, i] = c_j·u_i − b_i, c_j = n−1−2j, row maxima m_j
;;         given. Row 0 by direct exps; then E_i ← E_i·q_i·r_j (q_i = exp(−2(u_i − centre)), r_j = exp(m_j − m_{j+1}
;;         − 2·centre)) while E_i > thr, else E_i ← exp(z[j+1, i] − m_{j+1}) when above e^−650 (else 0).
;;         out[j] = Σ_i P[j, i]·x_i.
;; ss_sep  SoftSort forward, pow = 1, moderate ranges: the separable form below, one select and product per entry.
;; ss_fwd  SoftSort forward over s (= ±x) and ys (the ascending sort of s): row j is softmax_i(−|s_i − ys_j|^pow/τ).
;;         pow = 1: E_i ← E_i·g_j (s_i ≤ ys_j) or E_i/g_j (s_i > ys_j), g_j = exp(−(ys_{j+1} − ys_j)/τ), while
;;         E_i > e^−650 and (ys_{j+1} − ys_j)/τ ≤ 300, else a direct exp. pow = 2: direct exps.
;; bwd     the softmax-row backward of both (dZ = P ⊙ (G + gs_j·x − ⟨G + gs_j·x, P_j⟩)) and its column / row sums
;;         (see the function); repack pads an odd n's blocks to an even row stride first.
;; exp1    scalar entry to the f64x2 exp (for tests): exp(clamp(x, −700, 700)), Taylor to r¹³ on |r| ≤ ln2/2.
(module
  (memory (export "mem") 1)

  ;; exp on [−700, 700] (inputs clamped): x = k·ln2 + r, exp(r) by Horner, times 2^k built in the exponent bits.
  (func $expv (param $x v128) (result v128)
    (local $k v128) (local $r v128) (local $p v128)
    (local.set $x (f64x2.min (f64x2.max (local.get $x) (v128.const f64x2 -700 -700)) (v128.const f64x2 700 700)))
    (local.set $k (f64x2.nearest (f64x2.mul (local.get $x) (v128.const f64x2 1.4426950408889634 1.4426950408889634))))
    (local.set $r (f64x2.sub (local.get $x) (f64x2.mul (local.get $k) (v128.const f64x2 6.93147180369123816490e-01 6.93147180369123816490e-01))))
    (local.set $r (f64x2.sub (local.get $r) (f64x2.mul (local.get $k) (v128.const f64x2 1.90821492927058770002e-10 1.90821492927058770002e-10))))
    (local.set $p (v128.const f64x2 1.6059043836821613e-10 1.6059043836821613e-10))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 2.0876756987868100e-9 2.0876756987868100e-9)))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 2.5052108385441720e-8 2.5052108385441720e-8)))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 2.7557319223985888e-7 2.7557319223985888e-7)))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 2.7557319223985893e-6 2.7557319223985893e-6)))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 2.4801587301587302e-5 2.4801587301587302e-5)))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 1.9841269841269841e-4 1.9841269841269841e-4)))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 1.3888888888888889e-3 1.3888888888888889e-3)))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 8.3333333333333332e-3 8.3333333333333332e-3)))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 4.1666666666666664e-2 4.1666666666666664e-2)))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 1.6666666666666666e-1 1.6666666666666666e-1)))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 0.5 0.5)))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 1 1)))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 1 1)))
    (f64x2.mul (local.get $p)
      (i64x2.shl
        (i64x2.add (i64x2.extend_low_i32x4_s (i32x4.trunc_sat_f64x2_s_zero (local.get $k))) (v128.const i64x2 1023 1023))
        (i32.const 52))))

  (func (export "exp1") (param $x f64) (result f64)
    (f64x2.extract_lane 0 (call $expv (f64x2.splat (local.get $x)))))

  (func $hsum (param $v v128) (result f64)
    (f64.add (f64x2.extract_lane 0 (local.get $v)) (f64x2.extract_lane 1 (local.get $v))))

  ;; Masked exp: exp(e) where e > −650, else 0.
  (func $expTiny (param $e v128) (result v128)
    (local $mask v128)
    (local.set $mask (f64x2.gt (local.get $e) (v128.const f64x2 -650 -650)))
    (if (result v128) (v128.any_true (local.get $mask))
      (then (v128.and (call $expv (local.get $e)) (local.get $mask)))
      (else (v128.const i64x2 0 0))))

  ;; NeuralSort forward of one batch row. Pads: u = 0, b = +∞, q = 0, x = 0. mx[j]: the row maxima of z (the
  ;; caller finds them on the upper envelope of the lines c ↦ c·u_i − b_i). thr = e^−650 (recurrence) or +∞
  ;; (direct exps only). Writes P (f32, n×n; an odd n's pad lane writes a 0 that the next row overwrites, and
  ;; the block's slack after the last row) and out[j] = Σ_i P[j, i]·x_i; E is scratch.
  (func (export "ns_fwd")
    (param $n i32) (param $u i32) (param $b i32) (param $q i32) (param $x i32) (param $E i32) (param $P i32)
    (param $out i32) (param $mx i32) (param $thr f64) (param $centre f64)
    (local $i i32) (local $j i32) (local $o i32) (local $pr i32) (local $np8 i32)
    (local $c f64) (local $m f64) (local $m1 f64) (local $S f64)
    (local $cv v128) (local $c1v v128) (local $mv v128) (local $m1v v128) (local $acc v128)
    (local $Sv v128) (local $invv v128) (local $rjv v128) (local $thrv v128) (local $tiny v128)
    (local $prev v128) (local $p v128) (local $v v128) (local $e v128) (local $fm v128)
    (local.set $np8 (i32.shl (i32.and (i32.add (local.get $n) (i32.const 1)) (i32.const -2)) (i32.const 3)))
    (local.set $thrv (f64x2.splat (local.get $thr)))
    ;; row 0: direct exps
    (local.set $c (f64.convert_i32_s (i32.sub (local.get $n) (i32.const 1))))
    (local.set $cv (f64x2.splat (local.get $c)))
    (local.set $m (f64.load (local.get $mx)))
    (local.set $mv (f64x2.splat (local.get $m)))
    (local.set $Sv (v128.const i64x2 0 0))
    (local.set $o (i32.const 0))
    (block $e1 (loop $l1
      (br_if $e1 (i32.ge_u (local.get $o) (local.get $np8)))
      (local.set $v (call $expTiny
        (f64x2.sub (f64x2.sub (f64x2.mul (local.get $cv) (v128.load (i32.add (local.get $u) (local.get $o))))
                              (v128.load (i32.add (local.get $b) (local.get $o))))
                   (local.get $mv))))
      (v128.store (i32.add (local.get $E) (local.get $o)) (local.get $v))
      (local.set $Sv (f64x2.add (local.get $Sv) (local.get $v)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $l1)))
    (local.set $S (call $hsum (local.get $Sv)))
    (local.set $tiny (v128.const f64x2 -650 -650))
    (local.set $j (i32.const 0))
    (block $rows (loop $row
      (local.set $invv (f64x2.splat (f64.div (f64.const 1) (local.get $S))))
      (local.set $pr (i32.add (local.get $P) (i32.shl (i32.mul (local.get $j) (local.get $n)) (i32.const 2))))
      (local.set $acc (v128.const i64x2 0 0))
      (if (i32.eq (local.get $j) (i32.sub (local.get $n) (i32.const 1)))
        (then
          (local.set $o (i32.const 0))
          (block $le (loop $ll
            (br_if $le (i32.ge_u (local.get $o) (local.get $np8)))
            (local.set $p (f64x2.mul (v128.load (i32.add (local.get $E) (local.get $o))) (local.get $invv)))
            (v128.store64_lane 0 (i32.add (local.get $pr) (i32.shr_u (local.get $o) (i32.const 1))) (f32x4.demote_f64x2_zero (local.get $p)))
            (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (local.get $p) (v128.load (i32.add (local.get $x) (local.get $o))))))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (br $ll)))
          (f64.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3))) (call $hsum (local.get $acc)))
          (br $rows)))
      ;; row j is written while E moves on to row j+1
      (local.set $m1 (f64.load (i32.add (local.get $mx) (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 3)))))
      (local.set $c1v (f64x2.splat (f64.sub (local.get $c) (f64.const 2))))
      (local.set $m1v (f64x2.splat (local.get $m1)))
      (local.set $rjv (f64x2.splat
        (if (result f64) (f64.lt (local.get $thr) (f64.const inf))
          (then (f64x2.extract_lane 0 (call $expv (f64x2.splat
            (f64.sub (f64.sub (local.get $m) (local.get $m1)) (f64.mul (f64.const 2) (local.get $centre)))))))
          (else (f64.const 0)))))
      (local.set $Sv (v128.const i64x2 0 0))
      (local.set $o (i32.const 0))
      (block $ie (loop $il
        (br_if $ie (i32.ge_u (local.get $o) (local.get $np8)))
        (local.set $prev (v128.load (i32.add (local.get $E) (local.get $o))))
        (local.set $p (f64x2.mul (local.get $prev) (local.get $invv)))
        (v128.store64_lane 0 (i32.add (local.get $pr) (i32.shr_u (local.get $o) (i32.const 1))) (f32x4.demote_f64x2_zero (local.get $p)))
        (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (local.get $p) (v128.load (i32.add (local.get $x) (local.get $o))))))
        (local.set $v (f64x2.mul (local.get $prev) (f64x2.mul (v128.load (i32.add (local.get $q) (local.get $o))) (local.get $rjv))))
        (local.set $fm (f64x2.gt (local.get $prev) (local.get $thrv)))
        (if (i32.eqz (i64x2.all_true (local.get $fm)))
          (then
            (local.set $e (f64x2.sub (f64x2.sub (f64x2.mul (local.get $c1v) (v128.load (i32.add (local.get $u) (local.get $o))))
                                                (v128.load (i32.add (local.get $b) (local.get $o))))
                                     (local.get $m1v)))
            (local.set $v (v128.bitselect (local.get $v)
              (if (result v128) (v128.any_true (f64x2.gt (local.get $e) (local.get $tiny)))
                (then (call $expTiny (local.get $e)))
                (else (v128.const i64x2 0 0)))
              (local.get $fm)))))
        (v128.store (i32.add (local.get $E) (local.get $o)) (local.get $v))
        (local.set $Sv (f64x2.add (local.get $Sv) (local.get $v)))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $il)))
      (f64.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3))) (call $hsum (local.get $acc)))
      (local.set $c (f64.sub (local.get $c) (f64.const 2)))
      (local.set $m (local.get $m1))
      (local.set $S (call $hsum (local.get $Sv)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $row))))

  ;; SoftSort forward of one batch row, pow = 1, when (max s − min s)/τ ≤ 1300: with a_i = exp((s_i − centre)/τ),
  ;; ai_i = exp(−(s_i − centre)/τ) and, per row, β_j = exp(−(ys_j − centre)/τ)/S_j, βi_j = exp((ys_j − centre)/τ)/S_j,
  ;;   P[j, i] = s_i ≤ ys_j ? a_i·β_j : ai_i·βi_j                      (= exp(−|s_i − ys_j|/τ)/S_j)
  ;; (the caller forms S_j and the sorted values from prefix sums in sorted order). Pads: s = +∞, ai = 0.
  (func (export "ss_sep")
    (param $n i32) (param $s i32) (param $ys i32) (param $a i32) (param $ai i32) (param $beta i32) (param $betai i32) (param $P i32)
    (local $j i32) (local $o i32) (local $pr i32) (local $np8 i32) (local $j8 i32)
    (local $ysj v128) (local $bv v128) (local $biv v128) (local $sv v128)
    (local.set $np8 (i32.shl (i32.and (i32.add (local.get $n) (i32.const 1)) (i32.const -2)) (i32.const 3)))
    (local.set $j (i32.const 0))
    (block $rows (loop $row
      (br_if $rows (i32.ge_u (local.get $j) (local.get $n)))
      (local.set $j8 (i32.shl (local.get $j) (i32.const 3)))
      (local.set $ysj (f64x2.splat (f64.load (i32.add (local.get $ys) (local.get $j8)))))
      (local.set $bv (f64x2.splat (f64.load (i32.add (local.get $beta) (local.get $j8)))))
      (local.set $biv (f64x2.splat (f64.load (i32.add (local.get $betai) (local.get $j8)))))
      (local.set $pr (i32.add (local.get $P) (i32.shl (i32.mul (local.get $j) (local.get $n)) (i32.const 2))))
      (local.set $o (i32.const 0))
      (block $ie (loop $il
        (br_if $ie (i32.ge_u (local.get $o) (local.get $np8)))
        (v128.store64_lane 0 (i32.add (local.get $pr) (i32.shr_u (local.get $o) (i32.const 1)))
          (f32x4.demote_f64x2_zero
            (v128.bitselect
              (f64x2.mul (v128.load (i32.add (local.get $a) (local.get $o))) (local.get $bv))
              (f64x2.mul (v128.load (i32.add (local.get $ai) (local.get $o))) (local.get $biv))
              (f64x2.le (v128.load (i32.add (local.get $s) (local.get $o))) (local.get $ysj)))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $il)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $row))))

  ;; SoftSort forward of one batch row. Pads: s = +∞, x = 0. ys: n ascending values. Writes P (f32, n×n) and
  ;; out[j] = Σ_i P[j, i]·x_i; E is scratch.
  (func (export "ss_fwd")
    (param $n i32) (param $s i32) (param $ys i32) (param $x i32) (param $E i32) (param $P i32) (param $out i32)
    (param $invTau f64) (param $pow i32)
    (local $i i32) (local $j i32) (local $o i32) (local $pr i32) (local $np8 i32)
    (local $S f64) (local $t f64) (local $thr f64)
    (local $ivv v128) (local $ysj v128) (local $ysn v128) (local $gv v128) (local $giv v128) (local $thrv v128)
    (local $acc v128) (local $Sv v128) (local $invv v128) (local $prev v128) (local $p v128) (local $v v128)
    (local $sv v128) (local $d v128) (local $e v128) (local $fm v128)
    (local.set $np8 (i32.shl (i32.and (i32.add (local.get $n) (i32.const 1)) (i32.const -2)) (i32.const 3)))
    (local.set $ivv (f64x2.splat (local.get $invTau)))
    ;; row 0: direct exps
    (local.set $ysj (f64x2.splat (f64.load (local.get $ys))))
    (local.set $Sv (v128.const i64x2 0 0))
    (local.set $o (i32.const 0))
    (block $e0 (loop $l0
      (br_if $e0 (i32.ge_u (local.get $o) (local.get $np8)))
      (local.set $d (f64x2.sub (v128.load (i32.add (local.get $s) (local.get $o))) (local.get $ysj)))
      (local.set $e (f64x2.mul (f64x2.neg
        (if (result v128) (i32.eq (local.get $pow) (i32.const 1))
          (then (f64x2.abs (local.get $d))) (else (f64x2.mul (local.get $d) (local.get $d))))) (local.get $ivv)))
      (local.set $v (call $expTiny (local.get $e)))
      (v128.store (i32.add (local.get $E) (local.get $o)) (local.get $v))
      (local.set $Sv (f64x2.add (local.get $Sv) (local.get $v)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $l0)))
    (local.set $S (call $hsum (local.get $Sv)))
    (local.set $j (i32.const 0))
    (block $rows (loop $row
      (local.set $invv (f64x2.splat (f64.div (f64.const 1) (local.get $S))))
      (local.set $pr (i32.add (local.get $P) (i32.shl (i32.mul (local.get $j) (local.get $n)) (i32.const 2))))
      (local.set $acc (v128.const i64x2 0 0))
      (if (i32.eq (local.get $j) (i32.sub (local.get $n) (i32.const 1)))
        (then
          (local.set $i (i32.const 0))
          (block $le (loop $ll
            (br_if $le (i32.ge_u (local.get $i) (local.get $n)))
            (local.set $o (i32.shl (local.get $i) (i32.const 3)))
            (local.set $p (f64x2.mul (v128.load (i32.add (local.get $E) (local.get $o))) (local.get $invv)))
            (if (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $n))
              (then (v128.store64_lane 0 (i32.add (local.get $pr) (i32.shl (local.get $i) (i32.const 2))) (f32x4.demote_f64x2_zero (local.get $p))))
              (else (v128.store32_lane 0 (i32.add (local.get $pr) (i32.shl (local.get $i) (i32.const 2))) (f32x4.demote_f64x2_zero (local.get $p)))))
            (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (local.get $p) (v128.load (i32.add (local.get $x) (local.get $o))))))
            (local.set $i (i32.add (local.get $i) (i32.const 2)))
            (br $ll)))
          (f64.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3))) (call $hsum (local.get $acc)))
          (br $rows)))
      (local.set $ysj (f64x2.splat (f64.load (i32.add (local.get $ys) (i32.shl (local.get $j) (i32.const 3))))))
      (local.set $ysn (f64x2.splat (f64.load (i32.add (local.get $ys) (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 3))))))
      ;; gap factor g_j and its inverse, for the recurrence (pow = 1 and a gap of at most 300·τ)
      (local.set $t (f64.mul (f64x2.extract_lane 0 (f64x2.sub (local.get $ysn) (local.get $ysj))) (local.get $invTau)))
      (local.set $thr (f64.const inf))
      (local.set $gv (v128.const i64x2 0 0))
      (local.set $giv (v128.const i64x2 0 0))
      (if (i32.and (i32.eq (local.get $pow) (i32.const 1)) (f64.le (local.get $t) (f64.const 300)))
        (then
          (local.set $thr (f64.const 5.1119519486511560e-283))
          (local.set $gv (call $expv (f64x2.splat (f64.neg (local.get $t)))))
          (local.set $giv (call $expv (f64x2.splat (local.get $t))))))
      (local.set $thrv (f64x2.splat (local.get $thr)))
      (local.set $Sv (v128.const i64x2 0 0))
      (local.set $i (i32.const 0))
      (block $ie (loop $il
        (br_if $ie (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $o (i32.shl (local.get $i) (i32.const 3)))
        (local.set $prev (v128.load (i32.add (local.get $E) (local.get $o))))
        (local.set $p (f64x2.mul (local.get $prev) (local.get $invv)))
        (if (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $n))
          (then (v128.store64_lane 0 (i32.add (local.get $pr) (i32.shl (local.get $i) (i32.const 2))) (f32x4.demote_f64x2_zero (local.get $p))))
          (else (v128.store32_lane 0 (i32.add (local.get $pr) (i32.shl (local.get $i) (i32.const 2))) (f32x4.demote_f64x2_zero (local.get $p)))))
        (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (local.get $p) (v128.load (i32.add (local.get $x) (local.get $o))))))
        (local.set $sv (v128.load (i32.add (local.get $s) (local.get $o))))
        (local.set $v (f64x2.mul (local.get $prev)
          (v128.bitselect (local.get $gv) (local.get $giv) (f64x2.le (local.get $sv) (local.get $ysj)))))
        (local.set $fm (f64x2.gt (local.get $prev) (local.get $thrv)))
        (if (i32.eqz (i64x2.all_true (local.get $fm)))
          (then
            (local.set $d (f64x2.sub (local.get $sv) (local.get $ysn)))
            (local.set $e (f64x2.mul (f64x2.neg
              (if (result v128) (i32.eq (local.get $pow) (i32.const 1))
                (then (f64x2.abs (local.get $d))) (else (f64x2.mul (local.get $d) (local.get $d))))) (local.get $ivv)))
            (local.set $v (v128.bitselect (local.get $v) (call $expTiny (local.get $e)) (local.get $fm)))))
        (v128.store (i32.add (local.get $E) (local.get $o)) (local.get $v))
        (local.set $Sv (f64x2.add (local.get $Sv) (local.get $v)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $il)))
      (f64.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3))) (call $hsum (local.get $acc)))
      (local.set $S (call $hsum (local.get $Sv)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $row))))

  ;; Copies an n×n f32 block at src (row stride n) to dst with row stride n + 1 and a zero pad column (odd n),
  ;; so that the backward loops read whole lane pairs. Reads up to 12 bytes past src, writes up to 16 past dst.
  (func (export "repack") (param $src i32) (param $dst i32) (param $n i32)
    (local $j i32) (local $o i32) (local $rs i32) (local $rd i32) (local $nb i32)
    (local.set $nb (i32.shl (local.get $n) (i32.const 2)))
    (local.set $j (i32.const 0))
    (block $rows (loop $row
      (br_if $rows (i32.ge_u (local.get $j) (local.get $n)))
      (local.set $rs (i32.add (local.get $src) (i32.mul (local.get $j) (local.get $nb))))
      (local.set $rd (i32.add (local.get $dst) (i32.mul (local.get $j) (i32.add (local.get $nb) (i32.const 4)))))
      (local.set $o (i32.const 0))
      (block $e (loop $l
        (br_if $e (i32.ge_u (local.get $o) (local.get $nb)))
        (v128.store (i32.add (local.get $rd) (local.get $o)) (v128.load (i32.add (local.get $rs) (local.get $o))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $l)))
      (f32.store (i32.add (local.get $rd) (local.get $nb)) (f32.const 0))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $row))))

  ;; Backward of one batch row, two rows (j, j+1) of P per pass; an odd n's last row pairs with the zero row Z.
  ;; P, G: f32 blocks with row stride st (even); x: pads 0. For rows a = j, b = j + 1:
  ;;   dot_a = Σ_i (G[a, i] + gs_a·x_i)·P[a, i];  dZ[a, i] = P[a, i]·(G[a, i] + gs_a·x_i − dot_a)
  ;; mode 0 (NeuralSort): o1_i = Σ_j (c_j·dZ[j, i] + ks·gs_j·P[j, i]), o2_i = Σ_j dZ[j, i]   (c_j = n − 1 − 2j)
  ;; mode 1 (SoftSort, pow = 1) / 2 (pow = 2): with f = σ(x_i − y_j)·dZ (σ(d) = d > 0 ? 1 : −1) or 2(x_i − y_j)·dZ,
  ;;   o1_i = Σ_j (f[j, i] + ks·gs_j·P[j, i]),  o2[j] = Σ_i f[j, i]
  (func (export "bwd")
    (param $mode i32) (param $n i32) (param $st i32) (param $x i32) (param $y i32) (param $gs i32) (param $P i32) (param $G i32)
    (param $Z i32) (param $o1 i32) (param $o2 i32) (param $ks f64)
    (local $j i32) (local $o i32) (local $h i32) (local $np8 i32) (local $rb i32)
    (local $pa i32) (local $ga i32) (local $pb i32) (local $gb i32)
    (local $gsA f64) (local $gsB f64)
    (local $gAv v128) (local $gBv v128) (local $kAv v128) (local $kBv v128) (local $cAv v128) (local $cBv v128)
    (local $yAv v128) (local $yBv v128) (local $dAv v128) (local $dBv v128) (local $sA v128) (local $sB v128)
    (local $xv v128) (local $p1 v128) (local $g1 v128) (local $p2 v128) (local $g2 v128) (local $da v128) (local $db v128)
    (local.set $np8 (i32.shl (i32.and (i32.add (local.get $n) (i32.const 1)) (i32.const -2)) (i32.const 3)))
    (local.set $rb (i32.shl (local.get $st) (i32.const 2)))
    (local.set $o (i32.const 0))
    (block $ez (loop $lz
      (br_if $ez (i32.ge_u (local.get $o) (local.get $np8)))
      (v128.store (i32.add (local.get $o1) (local.get $o)) (v128.const i64x2 0 0))
      (if (i32.eqz (local.get $mode)) (then (v128.store (i32.add (local.get $o2) (local.get $o)) (v128.const i64x2 0 0))))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $lz)))
    (local.set $j (i32.const 0))
    (block $rows (loop $row
      (br_if $rows (i32.ge_u (local.get $j) (local.get $n)))
      (local.set $pa (i32.add (local.get $P) (i32.mul (local.get $j) (local.get $rb))))
      (local.set $ga (i32.add (local.get $G) (i32.mul (local.get $j) (local.get $rb))))
      (local.set $gsA (f64.load (i32.add (local.get $gs) (i32.shl (local.get $j) (i32.const 3)))))
      (local.set $yAv (f64x2.splat (f64.load (i32.add (local.get $y) (i32.shl (local.get $j) (i32.const 3))))))
      (if (i32.lt_u (i32.add (local.get $j) (i32.const 1)) (local.get $n))
        (then
          (local.set $pb (i32.add (local.get $pa) (local.get $rb)))
          (local.set $gb (i32.add (local.get $ga) (local.get $rb)))
          (local.set $gsB (f64.load (i32.add (local.get $gs) (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 3)))))
          (local.set $yBv (f64x2.splat (f64.load (i32.add (local.get $y) (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 3)))))))
        (else
          (local.set $pb (local.get $Z))
          (local.set $gb (local.get $Z))
          (local.set $gsB (f64.const 0))
          (local.set $yBv (v128.const i64x2 0 0))))
      (local.set $gAv (f64x2.splat (local.get $gsA)))
      (local.set $gBv (f64x2.splat (local.get $gsB)))
      (local.set $kAv (f64x2.splat (f64.mul (local.get $ks) (local.get $gsA))))
      (local.set $kBv (f64x2.splat (f64.mul (local.get $ks) (local.get $gsB))))
      (local.set $cAv (f64x2.splat (f64.convert_i32_s (i32.sub (i32.sub (local.get $n) (i32.const 1)) (i32.shl (local.get $j) (i32.const 1))))))
      (local.set $cBv (f64x2.sub (local.get $cAv) (v128.const f64x2 2 2)))
      ;; pass 1: the two row dots
      (local.set $dAv (v128.const i64x2 0 0))
      (local.set $dBv (v128.const i64x2 0 0))
      (local.set $o (i32.const 0))
      (block $e1 (loop $l1
        (br_if $e1 (i32.ge_u (local.get $o) (local.get $np8)))
        (local.set $h (i32.shr_u (local.get $o) (i32.const 1)))
        (local.set $xv (v128.load (i32.add (local.get $x) (local.get $o))))
        (local.set $dAv (f64x2.add (local.get $dAv)
          (f64x2.mul (f64x2.add (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $ga) (local.get $h))))
                                (f64x2.mul (local.get $gAv) (local.get $xv)))
                     (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $pa) (local.get $h)))))))
        (local.set $dBv (f64x2.add (local.get $dBv)
          (f64x2.mul (f64x2.add (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $gb) (local.get $h))))
                                (f64x2.mul (local.get $gBv) (local.get $xv)))
                     (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $pb) (local.get $h)))))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $l1)))
      (local.set $dAv (f64x2.splat (call $hsum (local.get $dAv))))
      (local.set $dBv (f64x2.splat (call $hsum (local.get $dBv))))
      ;; pass 2
      (local.set $sA (v128.const i64x2 0 0))
      (local.set $sB (v128.const i64x2 0 0))
      (local.set $o (i32.const 0))
      (block $e2 (loop $l2
        (br_if $e2 (i32.ge_u (local.get $o) (local.get $np8)))
        (local.set $h (i32.shr_u (local.get $o) (i32.const 1)))
        (local.set $xv (v128.load (i32.add (local.get $x) (local.get $o))))
        (local.set $p1 (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $pa) (local.get $h)))))
        (local.set $g1 (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $ga) (local.get $h)))))
        (local.set $p2 (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $pb) (local.get $h)))))
        (local.set $g2 (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $gb) (local.get $h)))))
        (local.set $da (f64x2.mul (local.get $p1)
          (f64x2.sub (f64x2.add (local.get $g1) (f64x2.mul (local.get $gAv) (local.get $xv))) (local.get $dAv))))
        (local.set $db (f64x2.mul (local.get $p2)
          (f64x2.sub (f64x2.add (local.get $g2) (f64x2.mul (local.get $gBv) (local.get $xv))) (local.get $dBv))))
        (if (i32.eqz (local.get $mode))
          (then
            (v128.store (i32.add (local.get $o1) (local.get $o))
              (f64x2.add (v128.load (i32.add (local.get $o1) (local.get $o)))
                (f64x2.add
                  (f64x2.add (f64x2.mul (local.get $cAv) (local.get $da)) (f64x2.mul (local.get $cBv) (local.get $db)))
                  (f64x2.add (f64x2.mul (local.get $kAv) (local.get $p1)) (f64x2.mul (local.get $kBv) (local.get $p2))))))
            (v128.store (i32.add (local.get $o2) (local.get $o))
              (f64x2.add (v128.load (i32.add (local.get $o2) (local.get $o))) (f64x2.add (local.get $da) (local.get $db)))))
          (else
            (if (i32.eq (local.get $mode) (i32.const 1))
              (then
                (local.set $da (v128.xor (local.get $da)
                  (v128.and (f64x2.le (local.get $xv) (local.get $yAv)) (v128.const i64x2 0x8000000000000000 0x8000000000000000))))
                (local.set $db (v128.xor (local.get $db)
                  (v128.and (f64x2.le (local.get $xv) (local.get $yBv)) (v128.const i64x2 0x8000000000000000 0x8000000000000000)))))
              (else
                (local.set $da (f64x2.mul (local.get $da) (f64x2.mul (v128.const f64x2 2 2) (f64x2.sub (local.get $xv) (local.get $yAv)))))
                (local.set $db (f64x2.mul (local.get $db) (f64x2.mul (v128.const f64x2 2 2) (f64x2.sub (local.get $xv) (local.get $yBv)))))))
            (local.set $sA (f64x2.add (local.get $sA) (local.get $da)))
            (local.set $sB (f64x2.add (local.get $sB) (local.get $db)))
            (v128.store (i32.add (local.get $o1) (local.get $o))
              (f64x2.add (v128.load (i32.add (local.get $o1) (local.get $o)))
                (f64x2.add
                  (f64x2.add (local.get $da) (local.get $db))
                  (f64x2.add (f64x2.mul (local.get $kAv) (local.get $p1)) (f64x2.mul (local.get $kBv) (local.get $p2))))))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $l2)))
      (if (local.get $mode)
        (then
          (f64.store (i32.add (local.get $o2) (i32.shl (local.get $j) (i32.const 3))) (call $hsum (local.get $sA)))
          (f64.store (i32.add (local.get $o2) (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 3))) (call $hsum (local.get $sB)))))
      (local.set $j (i32.add (local.get $j) (i32.const 2)))
      (br $row))))
)
