;; Learned-wiring layer kernels for @relax/logic (loaded by src/kernels/wasm_mix.ts), f32x4 SIMD over
;; feature-major rows (one feature over the batch, padded to Bbytes = 16·⌈B/4⌉ bytes). A gate input i
;; mixes K candidate rows: tab[i·K + k] is the absolute byte address of candidate k's row, w[i·K + k]
;; its weight. Gate j's inputs are i = 2j (A) and 2j + 1 (B); its gate is y = c0 + c1·A + (c2 + c3·A)·B.
;; The mixed rows live only in a scratch area of four rows (`tmp`): no [2·outDim, B] matrix is built.
;; Also: `softk` (the wiring softmax over K per gate input), `lgrad` (the softmax16 logit gradient), and
;; `mixn` / `unmixn` (rows mixed without a gate: the learned leaves of conv trees).
;; Every loop runs at least once (callers never pass empty ranges).
(module
  ;; the memory is the caller's: a module of its own for the per-layer kernels, the layer module's (wasm/layer.wat)
  ;; for the whole-net kernel, whose activations stay there
  (import "env" "mem" (memory 1))

  ;; dst = Σ_k w_k · row_k for one gate input (kb = 4·K bytes of tab and w): candidates four at a time
  ;; (one store per row vector and four), then a pair, then one at a time; the first group initialises dst.
  (func $mixrow (param $dst i32) (param $tab i32) (param $w i32) (param $kb i32) (param $bb i32)
    (local $k i32) (local $r i32) (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128) (local $acc v128)
    (block $quads_done
      (loop $quads
        (br_if $quads_done (i32.gt_u (i32.add (local.get $k) (i32.const 16)) (local.get $kb)))
        (local.set $x0 (i32.load (i32.add (local.get $tab) (local.get $k))))
        (local.set $x1 (i32.load offset=4 (i32.add (local.get $tab) (local.get $k))))
        (local.set $x2 (i32.load offset=8 (i32.add (local.get $tab) (local.get $k))))
        (local.set $x3 (i32.load offset=12 (i32.add (local.get $tab) (local.get $k))))
        (local.set $w0 (f32x4.splat (f32.load (i32.add (local.get $w) (local.get $k)))))
        (local.set $w1 (f32x4.splat (f32.load offset=4 (i32.add (local.get $w) (local.get $k)))))
        (local.set $w2 (f32x4.splat (f32.load offset=8 (i32.add (local.get $w) (local.get $k)))))
        (local.set $w3 (f32x4.splat (f32.load offset=12 (i32.add (local.get $w) (local.get $k)))))
        (local.set $r (i32.const 0))
        (loop $rows4
          (local.set $acc
            (f32x4.add
              (f32x4.add
                (f32x4.mul (local.get $w0) (v128.load (i32.add (local.get $x0) (local.get $r))))
                (f32x4.mul (local.get $w1) (v128.load (i32.add (local.get $x1) (local.get $r)))))
              (f32x4.add
                (f32x4.mul (local.get $w2) (v128.load (i32.add (local.get $x2) (local.get $r))))
                (f32x4.mul (local.get $w3) (v128.load (i32.add (local.get $x3) (local.get $r)))))))
          (if (local.get $k)
            (then (local.set $acc (f32x4.add (v128.load (i32.add (local.get $dst) (local.get $r))) (local.get $acc)))))
          (v128.store (i32.add (local.get $dst) (local.get $r)) (local.get $acc))
          (br_if $rows4 (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 16))) (local.get $bb))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $quads)))
    (if (i32.le_u (i32.add (local.get $k) (i32.const 8)) (local.get $kb))
      (then
        (local.set $x0 (i32.load (i32.add (local.get $tab) (local.get $k))))
        (local.set $x1 (i32.load offset=4 (i32.add (local.get $tab) (local.get $k))))
        (local.set $w0 (f32x4.splat (f32.load (i32.add (local.get $w) (local.get $k)))))
        (local.set $w1 (f32x4.splat (f32.load offset=4 (i32.add (local.get $w) (local.get $k)))))
        (local.set $r (i32.const 0))
        (loop $rows2
          (local.set $acc
            (f32x4.add
              (f32x4.mul (local.get $w0) (v128.load (i32.add (local.get $x0) (local.get $r))))
              (f32x4.mul (local.get $w1) (v128.load (i32.add (local.get $x1) (local.get $r))))))
          (if (local.get $k)
            (then (local.set $acc (f32x4.add (v128.load (i32.add (local.get $dst) (local.get $r))) (local.get $acc)))))
          (v128.store (i32.add (local.get $dst) (local.get $r)) (local.get $acc))
          (br_if $rows2 (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 16))) (local.get $bb))))
        (local.set $k (i32.add (local.get $k) (i32.const 8)))))
    (block $done
      (loop $singles
        (br_if $done (i32.ge_u (local.get $k) (local.get $kb)))
        (local.set $x0 (i32.load (i32.add (local.get $tab) (local.get $k))))
        (local.set $w0 (f32x4.splat (f32.load (i32.add (local.get $w) (local.get $k)))))
        (local.set $r (i32.const 0))
        (loop $rows
          (local.set $acc (f32x4.mul (local.get $w0) (v128.load (i32.add (local.get $x0) (local.get $r)))))
          (if (local.get $k)
            (then (local.set $acc (f32x4.add (v128.load (i32.add (local.get $dst) (local.get $r))) (local.get $acc)))))
          (v128.store (i32.add (local.get $dst) (local.get $r)) (local.get $acc))
          (br_if $rows (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 16))) (local.get $bb))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $singles))))

  ;; Backward of $mixrow for one gate input with row gradient dm: for each candidate k,
  ;; dX[row_k] += gf·w_k · dm (dX rows lie `delta` bytes after the X rows) and dq_k = Σ dm · row_k (summed
  ;; over the lanes). Candidates four at a time (dm read once per row vector; each dX row is read and
  ;; written in turn, so a repeated candidate adds up), then a pair, then one at a time.
  (func $unmixrow (param $dm i32) (param $tab i32) (param $w i32) (param $gf f32) (param $dq i32) (param $kb i32) (param $bb i32) (param $delta i32)
    (local $k i32) (local $r i32) (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32) (local $d i32)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128) (local $g v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (block $quads_done
      (loop $quads
        (br_if $quads_done (i32.gt_u (i32.add (local.get $k) (i32.const 16)) (local.get $kb)))
        (local.set $x0 (i32.load (i32.add (local.get $tab) (local.get $k))))
        (local.set $x1 (i32.load offset=4 (i32.add (local.get $tab) (local.get $k))))
        (local.set $x2 (i32.load offset=8 (i32.add (local.get $tab) (local.get $k))))
        (local.set $x3 (i32.load offset=12 (i32.add (local.get $tab) (local.get $k))))
        (local.set $w0 (f32x4.splat (f32.mul (local.get $gf) (f32.load (i32.add (local.get $w) (local.get $k))))))
        (local.set $w1 (f32x4.splat (f32.mul (local.get $gf) (f32.load offset=4 (i32.add (local.get $w) (local.get $k))))))
        (local.set $w2 (f32x4.splat (f32.mul (local.get $gf) (f32.load offset=8 (i32.add (local.get $w) (local.get $k))))))
        (local.set $w3 (f32x4.splat (f32.mul (local.get $gf) (f32.load offset=12 (i32.add (local.get $w) (local.get $k))))))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $r (i32.const 0))
        (loop $rows4
          (local.set $g (v128.load (i32.add (local.get $dm) (local.get $r))))
          (local.set $d (i32.add (i32.add (local.get $x0) (local.get $delta)) (local.get $r)))
          (v128.store (local.get $d) (f32x4.add (v128.load (local.get $d)) (f32x4.mul (local.get $w0) (local.get $g))))
          (local.set $d (i32.add (i32.add (local.get $x1) (local.get $delta)) (local.get $r)))
          (v128.store (local.get $d) (f32x4.add (v128.load (local.get $d)) (f32x4.mul (local.get $w1) (local.get $g))))
          (local.set $d (i32.add (i32.add (local.get $x2) (local.get $delta)) (local.get $r)))
          (v128.store (local.get $d) (f32x4.add (v128.load (local.get $d)) (f32x4.mul (local.get $w2) (local.get $g))))
          (local.set $d (i32.add (i32.add (local.get $x3) (local.get $delta)) (local.get $r)))
          (v128.store (local.get $d) (f32x4.add (v128.load (local.get $d)) (f32x4.mul (local.get $w3) (local.get $g))))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $g) (v128.load (i32.add (local.get $x0) (local.get $r))))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $g) (v128.load (i32.add (local.get $x1) (local.get $r))))))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $g) (v128.load (i32.add (local.get $x2) (local.get $r))))))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $g) (v128.load (i32.add (local.get $x3) (local.get $r))))))
          (br_if $rows4 (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 16))) (local.get $bb))))
        (call $store_sum (i32.add (local.get $dq) (local.get $k)) (local.get $a0))
        (call $store_sum (i32.add (i32.add (local.get $dq) (local.get $k)) (i32.const 4)) (local.get $a1))
        (call $store_sum (i32.add (i32.add (local.get $dq) (local.get $k)) (i32.const 8)) (local.get $a2))
        (call $store_sum (i32.add (i32.add (local.get $dq) (local.get $k)) (i32.const 12)) (local.get $a3))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $quads)))
    (if (i32.le_u (i32.add (local.get $k) (i32.const 8)) (local.get $kb))
      (then
        (local.set $x0 (i32.load (i32.add (local.get $tab) (local.get $k))))
        (local.set $x1 (i32.load offset=4 (i32.add (local.get $tab) (local.get $k))))
        (local.set $w0 (f32x4.splat (f32.mul (local.get $gf) (f32.load (i32.add (local.get $w) (local.get $k))))))
        (local.set $w1 (f32x4.splat (f32.mul (local.get $gf) (f32.load offset=4 (i32.add (local.get $w) (local.get $k))))))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $r (i32.const 0))
        (loop $rows2
          (local.set $g (v128.load (i32.add (local.get $dm) (local.get $r))))
          (local.set $d (i32.add (i32.add (local.get $x0) (local.get $delta)) (local.get $r)))
          (v128.store (local.get $d) (f32x4.add (v128.load (local.get $d)) (f32x4.mul (local.get $w0) (local.get $g))))
          (local.set $d (i32.add (i32.add (local.get $x1) (local.get $delta)) (local.get $r)))
          (v128.store (local.get $d) (f32x4.add (v128.load (local.get $d)) (f32x4.mul (local.get $w1) (local.get $g))))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $g) (v128.load (i32.add (local.get $x0) (local.get $r))))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $g) (v128.load (i32.add (local.get $x1) (local.get $r))))))
          (br_if $rows2 (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 16))) (local.get $bb))))
        (call $store_sum (i32.add (local.get $dq) (local.get $k)) (local.get $a0))
        (call $store_sum (i32.add (i32.add (local.get $dq) (local.get $k)) (i32.const 4)) (local.get $a1))
        (local.set $k (i32.add (local.get $k) (i32.const 8)))))
    (block $done
      (loop $singles
        (br_if $done (i32.ge_u (local.get $k) (local.get $kb)))
        (local.set $x0 (i32.load (i32.add (local.get $tab) (local.get $k))))
        (local.set $w0 (f32x4.splat (f32.mul (local.get $gf) (f32.load (i32.add (local.get $w) (local.get $k))))))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $r (i32.const 0))
        (loop $rows
          (local.set $g (v128.load (i32.add (local.get $dm) (local.get $r))))
          (local.set $d (i32.add (i32.add (local.get $x0) (local.get $delta)) (local.get $r)))
          (v128.store (local.get $d) (f32x4.add (v128.load (local.get $d)) (f32x4.mul (local.get $w0) (local.get $g))))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $g) (v128.load (i32.add (local.get $x0) (local.get $r))))))
          (br_if $rows (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 16))) (local.get $bb))))
        (call $store_sum (i32.add (local.get $dq) (local.get $k)) (local.get $a0))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $singles))))

;; dq_k = Σ dm · row_k for one gate input's candidates that take no input gradient (weight 0: the
  ;; unchosen wires of a one-hot choice), summed over the lanes: four at a time, then a pair, then one at a time.
  (func $dotrow (param $dm i32) (param $tab i32) (param $dq i32) (param $kb i32) (param $bb i32)
    (local $k i32) (local $r i32) (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32)
    (local $g v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (block $quads_done
      (loop $quads
        (br_if $quads_done (i32.gt_u (i32.add (local.get $k) (i32.const 16)) (local.get $kb)))
        (local.set $x0 (i32.load (i32.add (local.get $tab) (local.get $k))))
        (local.set $x1 (i32.load offset=4 (i32.add (local.get $tab) (local.get $k))))
        (local.set $x2 (i32.load offset=8 (i32.add (local.get $tab) (local.get $k))))
        (local.set $x3 (i32.load offset=12 (i32.add (local.get $tab) (local.get $k))))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $r (i32.const 0))
        (loop $rows4
          (local.set $g (v128.load (i32.add (local.get $dm) (local.get $r))))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $g) (v128.load (i32.add (local.get $x0) (local.get $r))))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $g) (v128.load (i32.add (local.get $x1) (local.get $r))))))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $g) (v128.load (i32.add (local.get $x2) (local.get $r))))))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $g) (v128.load (i32.add (local.get $x3) (local.get $r))))))
          (br_if $rows4 (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 16))) (local.get $bb))))
        (call $store_sum (i32.add (local.get $dq) (local.get $k)) (local.get $a0))
        (call $store_sum (i32.add (i32.add (local.get $dq) (local.get $k)) (i32.const 4)) (local.get $a1))
        (call $store_sum (i32.add (i32.add (local.get $dq) (local.get $k)) (i32.const 8)) (local.get $a2))
        (call $store_sum (i32.add (i32.add (local.get $dq) (local.get $k)) (i32.const 12)) (local.get $a3))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $quads)))
    (if (i32.le_u (i32.add (local.get $k) (i32.const 8)) (local.get $kb))
      (then
        (local.set $x0 (i32.load (i32.add (local.get $tab) (local.get $k))))
        (local.set $x1 (i32.load offset=4 (i32.add (local.get $tab) (local.get $k))))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $r (i32.const 0))
        (loop $rows2
          (local.set $g (v128.load (i32.add (local.get $dm) (local.get $r))))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $g) (v128.load (i32.add (local.get $x0) (local.get $r))))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $g) (v128.load (i32.add (local.get $x1) (local.get $r))))))
          (br_if $rows2 (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 16))) (local.get $bb))))
        (call $store_sum (i32.add (local.get $dq) (local.get $k)) (local.get $a0))
        (call $store_sum (i32.add (i32.add (local.get $dq) (local.get $k)) (i32.const 4)) (local.get $a1))
        (local.set $k (i32.add (local.get $k) (i32.const 8)))))
    (block $done
      (loop $singles
        (br_if $done (i32.ge_u (local.get $k) (local.get $kb)))
        (local.set $x0 (i32.load (i32.add (local.get $tab) (local.get $k))))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $r (i32.const 0))
        (loop $rows
          (local.set $a0
            (f32x4.add (local.get $a0) (f32x4.mul (v128.load (i32.add (local.get $dm) (local.get $r))) (v128.load (i32.add (local.get $x0) (local.get $r))))))
          (br_if $rows (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 16))) (local.get $bb))))
        (call $store_sum (i32.add (local.get $dq) (local.get $k)) (local.get $a0))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $singles))))

  ;; dm's statistics and input gradient for one gate input: $unmixrow over its first kmb bytes of candidates
  ;; (those with a weight, where the input's gradient is wanted), $dotrow over the rest (kb − kmb bytes).
  (func $backrow (param $dm i32) (param $tab i32) (param $w i32) (param $gf f32) (param $dq i32) (param $kb i32) (param $kmb i32) (param $bb i32) (param $delta i32)
    (call $unmixrow (local.get $dm) (local.get $tab) (local.get $w) (local.get $gf) (local.get $dq) (local.get $kmb) (local.get $bb) (local.get $delta))
    (if (i32.lt_u (local.get $kmb) (local.get $kb))
      (then
        (call $dotrow (local.get $dm) (i32.add (local.get $tab) (local.get $kmb)) (i32.add (local.get $dq) (local.get $kmb))
          (i32.sub (local.get $kb) (local.get $kmb)) (local.get $bb)))))

    ;; f32 at addr = the sum of v's four lanes.
  (func $store_sum (param $addr i32) (param $v v128)
    (f32.store (local.get $addr)
      (f32.add
        (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
        (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v))))))

  ;; e^x in each lane for x ≤ 0 (as the difflogic layer's `prep` in layer.wat): clamp x at −87,
  ;; n = round(x·log₂e), r = x − n·ln2 (ln2 in two parts), Cephes' degree-5 expf polynomial 1 + r + r²·P(r),
  ;; times 2ⁿ built in the exponent bits.
  (func $exp4 (param $x v128) (result v128)
    (local $n v128) (local $y v128)
    (local.set $x (f32x4.max (local.get $x) (v128.const f32x4 -87 -87 -87 -87)))
    (local.set $n (f32x4.nearest (f32x4.mul (local.get $x) (v128.const f32x4 1.4426950408889634 1.4426950408889634 1.4426950408889634 1.4426950408889634))))
    (local.set $x
      (f32x4.add
        (f32x4.add (local.get $x) (f32x4.mul (local.get $n) (v128.const f32x4 -0.693359375 -0.693359375 -0.693359375 -0.693359375)))
        (f32x4.mul (local.get $n) (v128.const f32x4 2.1219444e-4 2.1219444e-4 2.1219444e-4 2.1219444e-4))))
    (v128.const f32x4 1.98756915e-4 1.98756915e-4 1.98756915e-4 1.98756915e-4) ;; P by Horner on the stack
    (f32x4.add (f32x4.mul (local.get $x)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3))
    (f32x4.add (f32x4.mul (local.get $x)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3))
    (f32x4.add (f32x4.mul (local.get $x)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2))
    (f32x4.add (f32x4.mul (local.get $x)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1))
    (f32x4.add (f32x4.mul (local.get $x)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1))
    (f32x4.add (f32x4.add (f32x4.mul (f32x4.mul (local.get $x)) (local.get $x)) (local.get $x)) (v128.const f32x4 1 1 1 1))
    (local.set $y)
    (f32x4.mul (local.get $y)
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (i32x4.splat (i32.const 127))) (i32.const 23))))

  ;; softk(q, pick, K, n, inv): in place over n groups of K f32 at q (the wiring logits of n gate inputs),
  ;; q = softmax(inv·q) per group, and pick[i] (i32) = the group's argmax (first maximum on ties). Three
  ;; passes: per group the maximum and x = inv·(q − max) (scalar); e^x over the whole range, four at a time
  ;; (up to 12 bytes past n·K f32 are overwritten); per group the division by the sum (scalar).
  (func (export "softk") (param $q i32) (param $pick i32) (param $K i32) (param $n i32) (param $inv f32)
    (local $i i32) (local $k i32) (local $o i32) (local $best i32) (local $mx f32) (local $v f32) (local $sum f32) (local $end i32)
    (local.set $o (local.get $q))
    (loop $groups
      (local.set $mx (f32.load (local.get $o)))
      (local.set $best (i32.const 0))
      (local.set $k (i32.const 1))
      (block $max_done
        (loop $max
          (br_if $max_done (i32.ge_u (local.get $k) (local.get $K)))
          (local.set $v (f32.load (i32.add (local.get $o) (i32.shl (local.get $k) (i32.const 2)))))
          (if (f32.gt (local.get $v) (local.get $mx))
            (then (local.set $mx (local.get $v)) (local.set $best (local.get $k))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $max)))
      (i32.store (i32.add (local.get $pick) (i32.shl (local.get $i) (i32.const 2))) (local.get $best))
      (local.set $k (i32.const 0))
      (loop $shift
        (local.set $v (f32.load (i32.add (local.get $o) (i32.shl (local.get $k) (i32.const 2)))))
        (f32.store (i32.add (local.get $o) (i32.shl (local.get $k) (i32.const 2)))
          (f32.mul (local.get $inv) (f32.sub (local.get $v) (local.get $mx))))
        (br_if $shift (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (local.get $K))))
      (local.set $o (i32.add (local.get $o) (i32.shl (local.get $K) (i32.const 2))))
      (br_if $groups (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (local.set $end (local.get $o))
    (local.set $o (local.get $q))
    (loop $exps
      (v128.store (local.get $o) (call $exp4 (v128.load (local.get $o))))
      (br_if $exps (i32.lt_u (local.tee $o (i32.add (local.get $o) (i32.const 16))) (local.get $end))))
    (local.set $o (local.get $q))
    (local.set $i (i32.const 0))
    (loop $norms
      (local.set $sum (f32.const 0))
      (local.set $k (i32.const 0))
      (loop $sums
        (local.set $sum (f32.add (local.get $sum) (f32.load (i32.add (local.get $o) (i32.shl (local.get $k) (i32.const 2))))))
        (br_if $sums (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (local.get $K))))
      (local.set $k (i32.const 0))
      (loop $divs
        (f32.store (i32.add (local.get $o) (i32.shl (local.get $k) (i32.const 2)))
          (f32.div (f32.load (i32.add (local.get $o) (i32.shl (local.get $k) (i32.const 2)))) (local.get $sum)))
        (br_if $divs (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (local.get $K))))
      (local.set $o (i32.add (local.get $o) (i32.shl (local.get $K) (i32.const 2))))
      (br_if $norms (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))

  ;; lgrad(S, p, dz, count, scale): the softmax16 logit gradient of `count` gates from their statistics
  ;; S = Σ g·[1, A, B, A·B] (4 f32 each) and relaxed gate probabilities p (16 f32 each):
  ;; dp = M·S (M: the 16 × 4 coefficient table of src/gates.ts, its columns as v128 constants, four gates
  ;; per vector, as in layer.wat's bwd), dz = scale·p ⊙ (dp − p·dp) (16 f32 each).
  (func (export "lgrad") (param $S i32) (param $p i32) (param $dz i32) (param $count i32) (param $scale f32)
    (local $j i32) (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $sc v128) (local $t0 v128) (local $dot v128)
    (local $dp0 v128) (local $dp1 v128) (local $dp2 v128) (local $dp3 v128)
    (local $p0 v128) (local $p1 v128) (local $p2 v128) (local $p3 v128)
    (local.set $sc (f32x4.splat (local.get $scale)))
    (loop $gates
      (local.set $s0 (v128.load32_splat (local.get $S)))
      (local.set $s1 (v128.load32_splat offset=4 (local.get $S)))
      (local.set $s2 (v128.load32_splat offset=8 (local.get $S)))
      (local.set $s3 (v128.load32_splat offset=12 (local.get $S)))
      (local.set $dp0
        (f32x4.add
          (f32x4.add
            (f32x4.add
              (f32x4.mul (local.get $s0) (v128.const f32x4 0 0 0 0))
              (f32x4.mul (local.get $s1) (v128.const f32x4 0 0 1 1)))
            (f32x4.mul (local.get $s2) (v128.const f32x4 0 0 0 0)))
          (f32x4.mul (local.get $s3) (v128.const f32x4 0 1 -1 0))))
      (local.set $dp1
        (f32x4.add
          (f32x4.add
            (f32x4.add
              (f32x4.mul (local.get $s0) (v128.const f32x4 0 0 0 0))
              (f32x4.mul (local.get $s1) (v128.const f32x4 0 0 1 1)))
            (f32x4.mul (local.get $s2) (v128.const f32x4 1 1 1 1)))
          (f32x4.mul (local.get $s3) (v128.const f32x4 -1 0 -2 -1))))
      (local.set $dp2
        (f32x4.add
          (f32x4.add
            (f32x4.add
              (f32x4.mul (local.get $s0) (v128.const f32x4 1 1 1 1))
              (f32x4.mul (local.get $s1) (v128.const f32x4 -1 -1 0 0)))
            (f32x4.mul (local.get $s2) (v128.const f32x4 -1 -1 -1 -1)))
          (f32x4.mul (local.get $s3) (v128.const f32x4 1 2 0 1))))
      (local.set $dp3
        (f32x4.add
          (f32x4.add
            (f32x4.add
              (f32x4.mul (local.get $s0) (v128.const f32x4 1 1 1 1))
              (f32x4.mul (local.get $s1) (v128.const f32x4 -1 -1 0 0)))
            (f32x4.mul (local.get $s2) (v128.const f32x4 0 0 0 0)))
          (f32x4.mul (local.get $s3) (v128.const f32x4 0 1 -1 0))))
      (local.set $p0 (v128.load (local.get $p)))
      (local.set $p1 (v128.load offset=16 (local.get $p)))
      (local.set $p2 (v128.load offset=32 (local.get $p)))
      (local.set $p3 (v128.load offset=48 (local.get $p)))
      (local.set $dot
        (f32x4.add
          (f32x4.add
            (f32x4.add (f32x4.mul (local.get $p0) (local.get $dp0)) (f32x4.mul (local.get $p1) (local.get $dp1)))
            (f32x4.mul (local.get $p2) (local.get $dp2)))
          (f32x4.mul (local.get $p3) (local.get $dp3))))
      (local.set $t0 (f32x4.add (local.get $dot) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $dot) (local.get $dot))))
      (local.set $dot (f32x4.add (local.get $t0) (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $t0) (local.get $t0))))
      (v128.store offset=0 (local.get $dz) (f32x4.mul (local.get $sc) (f32x4.mul (local.get $p0) (f32x4.sub (local.get $dp0) (local.get $dot)))))
      (v128.store offset=16 (local.get $dz) (f32x4.mul (local.get $sc) (f32x4.mul (local.get $p1) (f32x4.sub (local.get $dp1) (local.get $dot)))))
      (v128.store offset=32 (local.get $dz) (f32x4.mul (local.get $sc) (f32x4.mul (local.get $p2) (f32x4.sub (local.get $dp2) (local.get $dot)))))
      (v128.store offset=48 (local.get $dz) (f32x4.mul (local.get $sc) (f32x4.mul (local.get $p3) (f32x4.sub (local.get $dp3) (local.get $dot)))))
      (local.set $S (i32.add (local.get $S) (i32.const 16)))
      (local.set $p (i32.add (local.get $p) (i32.const 64)))
      (local.set $dz (i32.add (local.get $dz) (i32.const 64)))
      (br_if $gates (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $count)))))

;; tabs(tab, candA, candB, count, K, x, Bbytes): the candidate row addresses of `count` gates (i32 candidate indices
  ;; [count, K] at candA and candB): tab[(2j + s)·K + k] = x + cand_s[j·K + k]·Bbytes, A (s = 0) then B per gate.
  (func (export "tabs") (param $tab i32) (param $ca i32) (param $cb i32) (param $count i32) (param $K i32) (param $x i32) (param $bb i32)
    (local $j i32) (local $k i32) (local $kb i32)
    (local.set $kb (i32.shl (local.get $K) (i32.const 2)))
    (loop $gates
      (local.set $k (i32.const 0))
      (loop $a
        (i32.store (i32.add (local.get $tab) (local.get $k))
          (i32.add (local.get $x) (i32.mul (i32.load (i32.add (local.get $ca) (local.get $k))) (local.get $bb))))
        (br_if $a (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 4))) (local.get $kb))))
      (local.set $tab (i32.add (local.get $tab) (local.get $kb)))
      (local.set $k (i32.const 0))
      (loop $b
        (i32.store (i32.add (local.get $tab) (local.get $k))
          (i32.add (local.get $x) (i32.mul (i32.load (i32.add (local.get $cb) (local.get $k))) (local.get $bb))))
        (br_if $b (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 4))) (local.get $kb))))
      (local.set $tab (i32.add (local.get $tab) (local.get $kb)))
      (local.set $ca (i32.add (local.get $ca) (local.get $kb)))
      (local.set $cb (i32.add (local.get $cb) (local.get $kb)))
      (br_if $gates (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $count)))))

  ;; wgrad(dq, qs, du, n, K, scale): the wiring-logit gradient of n gate inputs (K f32 each) from their statistics dq
  ;; and relaxed weights qs: du = scale·qs ⊙ (dq − qs·dq), in f64 with one rounding to f32 at the end, operation for
  ;; operation as kernels/logic_layer_learned.ts's wiringGradFromStats.
  (func (export "wgrad") (param $dq i32) (param $qs i32) (param $du i32) (param $n i32) (param $K i32) (param $scale f64)
    (local $i i32) (local $k i32) (local $kb i32) (local $dot f64)
    (local.set $kb (i32.shl (local.get $K) (i32.const 2)))
    (loop $inputs
      (local.set $dot (f64.const 0))
      (local.set $k (i32.const 0))
      (loop $dots
        (local.set $dot
          (f64.add (local.get $dot)
            (f64.mul
              (f64.promote_f32 (f32.load (i32.add (local.get $dq) (local.get $k))))
              (f64.promote_f32 (f32.load (i32.add (local.get $qs) (local.get $k)))))))
        (br_if $dots (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 4))) (local.get $kb))))
      (local.set $k (i32.const 0))
      (loop $grads
        (f32.store (i32.add (local.get $du) (local.get $k))
          (f32.demote_f64
            (f64.mul
              (f64.mul (local.get $scale) (f64.promote_f32 (f32.load (i32.add (local.get $qs) (local.get $k)))))
              (f64.sub (f64.promote_f32 (f32.load (i32.add (local.get $dq) (local.get $k)))) (local.get $dot)))))
        (br_if $grads (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 4))) (local.get $kb))))
      (local.set $dq (i32.add (local.get $dq) (local.get $kb)))
      (local.set $qs (i32.add (local.get $qs) (local.get $kb)))
      (local.set $du (i32.add (local.get $du) (local.get $kb)))
      (br_if $inputs (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))

  ;; mixn(y, tab, w, K, kmix, count, Bbytes): `count` rows mixed without a gate (the learned leaves of conv trees):
  ;; row j of y (y advances by Bbytes, tab and w by 4·K) = Σ w_k · row_k over its first kmix candidates (kmix = 1
  ;; for a one-hot choice whose row the caller put first, else K).
  (func (export "mixn") (param $y i32) (param $tab i32) (param $w i32) (param $K i32) (param $kmix i32) (param $count i32) (param $bb i32)
    (local $j i32) (local $kb i32) (local $kmb i32)
    (local.set $kb (i32.shl (local.get $K) (i32.const 2)))
    (local.set $kmb (i32.shl (local.get $kmix) (i32.const 2)))
    (loop $each
      (call $mixrow (local.get $y) (local.get $tab) (local.get $w) (local.get $kmb) (local.get $bb))
      (local.set $y (i32.add (local.get $y) (local.get $bb)))
      (local.set $tab (i32.add (local.get $tab) (local.get $kb)))
      (local.set $w (i32.add (local.get $w) (local.get $kb)))
      (br_if $each (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $count)))))

  ;; unmixn(dy, tab, w, dq, K, kmix, count, Bbytes, delta): the backward of mixn, per row (dy advances by Bbytes;
  ;; tab, w and dq by 4·K) $backrow with gradFactor 1: the input gradients of its first kmix candidates (0: none;
  ;; dX rows lie `delta` bytes after the X rows) and the statistics dq_k = Σ dy · row_k of all K.
  (func (export "unmixn") (param $dy i32) (param $tab i32) (param $w i32) (param $dq i32) (param $K i32) (param $kmix i32) (param $count i32) (param $bb i32) (param $delta i32)
    (local $j i32) (local $kb i32) (local $kmb i32)
    (local.set $kb (i32.shl (local.get $K) (i32.const 2)))
    (local.set $kmb (i32.shl (local.get $kmix) (i32.const 2)))
    (loop $each
      (call $backrow (local.get $dy) (local.get $tab) (local.get $w) (f32.const 1) (local.get $dq) (local.get $kb) (local.get $kmb) (local.get $bb) (local.get $delta))
      (local.set $dy (i32.add (local.get $dy) (local.get $bb)))
      (local.set $tab (i32.add (local.get $tab) (local.get $kb)))
      (local.set $w (i32.add (local.get $w) (local.get $kb)))
      (local.set $dq (i32.add (local.get $dq) (local.get $kb)))
      (br_if $each (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $count)))))

    ;; fwd(y, tab, w, c, K, count, Bbytes, tmp, keepA, keepB): for each of `count` gates (y advances by Bbytes, tab
  ;; and w by 8·K, c by 16) mix A and B, then y = c0 + c1·A + (c2 + c3·A)·B. The mixed rows go to tmp and
  ;; tmp + Bbytes, or with keepA ≠ 0 to rows kept for the backward: gate j's A at keepA + j·Bbytes, B at keepB + j·Bbytes.
  (func (export "fwd") (param $y i32) (param $tab i32) (param $w i32) (param $c i32) (param $K i32) (param $count i32) (param $bb i32) (param $tmp i32)
    (param $keepA i32) (param $keepB i32)
    (local $j i32) (local $r i32) (local $kb i32) (local $ta i32) (local $tb i32)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $av v128)
    (local.set $kb (i32.shl (local.get $K) (i32.const 2)))
    (local.set $ta (local.get $tmp))
    (local.set $tb (i32.add (local.get $tmp) (local.get $bb)))
    (loop $gates
      (if (local.get $keepA)
        (then
          (local.set $ta (i32.add (local.get $keepA) (i32.mul (local.get $j) (local.get $bb))))
          (local.set $tb (i32.add (local.get $keepB) (i32.mul (local.get $j) (local.get $bb))))))
      (call $mixrow (local.get $ta) (local.get $tab) (local.get $w) (local.get $kb) (local.get $bb))
      (call $mixrow (local.get $tb) (i32.add (local.get $tab) (local.get $kb)) (i32.add (local.get $w) (local.get $kb)) (local.get $kb) (local.get $bb))
      (local.set $c0 (f32x4.splat (f32.load (local.get $c))))
      (local.set $c1 (f32x4.splat (f32.load offset=4 (local.get $c))))
      (local.set $c2 (f32x4.splat (f32.load offset=8 (local.get $c))))
      (local.set $c3 (f32x4.splat (f32.load offset=12 (local.get $c))))
      (local.set $r (i32.const 0))
      (loop $rows
        (i32.add (local.get $y) (local.get $r)) ;; the store's address, then A, then the value
        (local.set $av (v128.load (i32.add (local.get $ta) (local.get $r))))
        (f32x4.add
          (f32x4.add (local.get $c0) (f32x4.mul (local.get $c1) (local.get $av)))
          (f32x4.mul
            (f32x4.add (local.get $c2) (f32x4.mul (local.get $c3) (local.get $av)))
            (v128.load (i32.add (local.get $tb) (local.get $r)))))
        v128.store
        (br_if $rows (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 16))) (local.get $bb))))
      (local.set $y (i32.add (local.get $y) (local.get $bb)))
      (local.set $tab (i32.add (local.get $tab) (i32.shl (local.get $kb) (i32.const 1))))
      (local.set $w (i32.add (local.get $w) (i32.shl (local.get $kb) (i32.const 1))))
      (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (br_if $gates (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $count)))))

  ;; bwd(dy, tab, w, gf, c, dq, S, K, kmix, count, Bbytes, delta, tmp, keepA, keepB, kscat): per gate (dy advances by
  ;; Bbytes; tab, w and dq by 8·K; c and S by 16), with g = its dY row: the mixed rows A, B (those the forward
  ;; kept at keepA, keepB + j·Bbytes, or with keepA = 0 recomputed into tmp from each input's first kmix
  ;; candidates: w = wiring weights; kmix = 1 for a one-hot choice whose wire the caller put first, else K),
  ;; the row gradients dA = g·(c1 + c3·B), dB = g·(c2 + c3·A) (tmp + 2, 3 Bbytes), the statistics
  ;; S = Σ g·[1, A, B, A·B] (4 f32), then $backrow of dA and dB (input gradients scaled by gf, the layer's gradFactor,
  ;; to the first kscat candidates: kmix, or 0 where the input's gradient is not wanted).
  (func (export "bwd")
    (param $dy i32) (param $tab i32) (param $w i32) (param $gf f32) (param $c i32) (param $dq i32) (param $S i32)
    (param $K i32) (param $kmix i32) (param $count i32) (param $bb i32) (param $delta i32) (param $tmp i32)
    (param $keepA i32) (param $keepB i32) (param $kscat i32)
    (local $j i32) (local $r i32) (local $kb i32) (local $kmb i32) (local $ksb i32) (local $ta i32) (local $tb i32) (local $tda i32) (local $tdb i32)
    (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $g v128) (local $av v128) (local $bv v128) (local $ga v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $t0 v128) (local $t1 v128)
    (local.set $kb (i32.shl (local.get $K) (i32.const 2)))
    (local.set $kmb (i32.shl (local.get $kmix) (i32.const 2)))
    (local.set $ksb (i32.shl (local.get $kscat) (i32.const 2)))
    (local.set $ta (local.get $tmp))
    (local.set $tb (i32.add (local.get $tmp) (local.get $bb)))
    (local.set $tda (i32.add (local.get $tb) (local.get $bb)))
    (local.set $tdb (i32.add (local.get $tda) (local.get $bb)))
    (loop $gates
      (if (local.get $keepA)
        (then
          (local.set $ta (i32.add (local.get $keepA) (i32.mul (local.get $j) (local.get $bb))))
          (local.set $tb (i32.add (local.get $keepB) (i32.mul (local.get $j) (local.get $bb)))))
        (else
          (call $mixrow (local.get $ta) (local.get $tab) (local.get $w) (local.get $kmb) (local.get $bb))
          (call $mixrow (local.get $tb) (i32.add (local.get $tab) (local.get $kb)) (i32.add (local.get $w) (local.get $kb)) (local.get $kmb) (local.get $bb))))
      (local.set $c1 (f32x4.splat (f32.load offset=4 (local.get $c))))
      (local.set $c2 (f32x4.splat (f32.load offset=8 (local.get $c))))
      (local.set $c3 (f32x4.splat (f32.load offset=12 (local.get $c))))
      (local.set $s0 (v128.const i32x4 0 0 0 0))
      (local.set $s1 (v128.const i32x4 0 0 0 0))
      (local.set $s2 (v128.const i32x4 0 0 0 0))
      (local.set $s3 (v128.const i32x4 0 0 0 0))
      (local.set $r (i32.const 0))
      (loop $rows
        (local.set $g (v128.load (i32.add (local.get $dy) (local.get $r))))
        (local.set $av (v128.load (i32.add (local.get $ta) (local.get $r))))
        (local.set $bv (v128.load (i32.add (local.get $tb) (local.get $r))))
        (v128.store (i32.add (local.get $tda) (local.get $r))
          (f32x4.mul (local.get $g) (f32x4.add (local.get $c1) (f32x4.mul (local.get $c3) (local.get $bv)))))
        (v128.store (i32.add (local.get $tdb) (local.get $r))
          (f32x4.mul (local.get $g) (f32x4.add (local.get $c2) (f32x4.mul (local.get $c3) (local.get $av)))))
        (local.set $s0 (f32x4.add (local.get $s0) (local.get $g)))
        (local.set $ga (f32x4.mul (local.get $g) (local.get $av)))
        (local.set $s1 (f32x4.add (local.get $s1) (local.get $ga)))
        (local.set $s2 (f32x4.add (local.get $s2) (f32x4.mul (local.get $g) (local.get $bv))))
        (local.set $s3 (f32x4.add (local.get $s3) (f32x4.mul (local.get $ga) (local.get $bv))))
        (br_if $rows (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 16))) (local.get $bb))))
      ;; transpose the four lane vectors (4 × 4), then sum: S = [Σ s0, Σ s1, Σ s2, Σ s3]
      (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $s0) (local.get $s1)))
      (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $s0) (local.get $s1)))
      (local.set $s0 (f32x4.add (local.get $t0) (local.get $t1))) ;; [s0₀+s0₂, s1₀+s1₂, s0₁+s0₃, s1₁+s1₃]
      (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $s2) (local.get $s3)))
      (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $s2) (local.get $s3)))
      (local.set $s2 (f32x4.add (local.get $t0) (local.get $t1))) ;; [s2₀+s2₂, s3₀+s3₂, s2₁+s2₃, s3₁+s3₃]
      (v128.store (local.get $S)
        (f32x4.add
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $s0) (local.get $s2))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $s0) (local.get $s2))))
      (call $backrow (local.get $tda) (local.get $tab) (local.get $w) (local.get $gf) (local.get $dq) (local.get $kb) (local.get $ksb) (local.get $bb) (local.get $delta))
      (call $backrow (local.get $tdb) (i32.add (local.get $tab) (local.get $kb)) (i32.add (local.get $w) (local.get $kb)) (local.get $gf)
        (i32.add (local.get $dq) (local.get $kb)) (local.get $kb) (local.get $ksb) (local.get $bb) (local.get $delta))
      (local.set $dy (i32.add (local.get $dy) (local.get $bb)))
      (local.set $tab (i32.add (local.get $tab) (i32.shl (local.get $kb) (i32.const 1))))
      (local.set $w (i32.add (local.get $w) (i32.shl (local.get $kb) (i32.const 1))))
      (local.set $dq (i32.add (local.get $dq) (i32.shl (local.get $kb) (i32.const 1))))
      (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (local.set $S (i32.add (local.get $S) (i32.const 16)))
      (br_if $gates (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $count))))))
