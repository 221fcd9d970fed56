;; Learned-wiring kernels for @relax/logic (loaded by src/kernels/wasm_mix.ts), f32x4 SIMD over
;; feature-major rows (one feature over the batch, padded to Bbytes = 16·⌈B/4⌉ bytes). A gate input i
;; mixes K candidate rows: tab[i·K + k] is the absolute byte address of candidate k's row, w[i·K + k]
;; its weight. Every loop runs at least once (callers never pass empty ranges).
(module
  (memory (export "mem") 1)
  ;; mix(dst, tab, w, K, count, Bbytes): for each of `count` gate inputs (dst advances by Bbytes, tab
  ;; and w by 4·K) dst = Σ_k w_k · row_k.
  (func (export "mix") (param $dst i32) (param $tab i32) (param $w i32) (param $K i32) (param $count i32) (param $bb i32)
    (local $i i32) (local $k i32) (local $r i32) (local $src i32) (local $wk v128) (local $kb i32)
    (local.set $kb (i32.shl (local.get $K) (i32.const 2)))
    (loop $inputs
      ;; k = 0 initialises the row
      (local.set $src (i32.load (local.get $tab)))
      (local.set $wk (f32x4.splat (f32.load (local.get $w))))
      (local.set $r (i32.const 0))
      (loop $rows0
        (v128.store (i32.add (local.get $dst) (local.get $r))
          (f32x4.mul (local.get $wk) (v128.load (i32.add (local.get $src) (local.get $r)))))
        (br_if $rows0 (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 16))) (local.get $bb))))
      (local.set $k (i32.const 4))
      (block $done
        (loop $cands
          (br_if $done (i32.ge_u (local.get $k) (local.get $kb)))
          (local.set $src (i32.load (i32.add (local.get $tab) (local.get $k))))
          (local.set $wk (f32x4.splat (f32.load (i32.add (local.get $w) (local.get $k)))))
          (local.set $r (i32.const 0))
          (loop $rows
            (v128.store (i32.add (local.get $dst) (local.get $r))
              (f32x4.add (v128.load (i32.add (local.get $dst) (local.get $r)))
                (f32x4.mul (local.get $wk) (v128.load (i32.add (local.get $src) (local.get $r))))))
            (br_if $rows (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 16))) (local.get $bb))))
          (local.set $k (i32.add (local.get $k) (i32.const 4)))
          (br $cands)))
      (local.set $dst (i32.add (local.get $dst) (local.get $bb)))
      (local.set $tab (i32.add (local.get $tab) (local.get $kb)))
      (local.set $w (i32.add (local.get $w) (local.get $kb)))
      (br_if $inputs (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $count)))))

  ;; unmix(dm, tab, ws, dq, K, count, Bbytes, delta): for each gate input (dm advances by Bbytes; tab, ws
  ;; and dq by 4·K) and candidate k: dX[row_k] += ws_k · dm (skipped for ws_k = 0; dX rows lie `delta`
  ;; bytes after the X rows) and dq_k = Σ dm · row_k (summed over the lanes).
  (func (export "unmix")
    (param $dm i32) (param $tab i32) (param $ws i32) (param $dq i32) (param $K i32) (param $count i32) (param $bb i32) (param $delta i32)
    (local $i i32) (local $k i32) (local $r i32) (local $src i32) (local $dx i32) (local $wk f32) (local $wv v128)
    (local $g v128) (local $acc v128) (local $kb i32)
    (local.set $kb (i32.shl (local.get $K) (i32.const 2)))
    (loop $inputs
      (local.set $k (i32.const 0))
      (loop $cands
        (local.set $src (i32.load (i32.add (local.get $tab) (local.get $k))))
        (local.set $dx (i32.add (local.get $src) (local.get $delta)))
        (local.set $wk (f32.load (i32.add (local.get $ws) (local.get $k))))
        (local.set $wv (f32x4.splat (local.get $wk)))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $r (i32.const 0))
        (if (f32.ne (local.get $wk) (f32.const 0))
          (then
            (loop $rows
              (local.set $g (v128.load (i32.add (local.get $dm) (local.get $r))))
              (v128.store (i32.add (local.get $dx) (local.get $r))
                (f32x4.add (v128.load (i32.add (local.get $dx) (local.get $r))) (f32x4.mul (local.get $wv) (local.get $g))))
              (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $g) (v128.load (i32.add (local.get $src) (local.get $r))))))
              (br_if $rows (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 16))) (local.get $bb)))))
          (else
            (loop $rowsd
              (local.set $acc (f32x4.add (local.get $acc)
                (f32x4.mul (v128.load (i32.add (local.get $dm) (local.get $r))) (v128.load (i32.add (local.get $src) (local.get $r))))))
              (br_if $rowsd (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 16))) (local.get $bb))))))
        (f32.store (i32.add (local.get $dq) (local.get $k))
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
            (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
        (br_if $cands (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 4))) (local.get $kb))))
      (local.set $dm (i32.add (local.get $dm) (local.get $bb)))
      (local.set $tab (i32.add (local.get $tab) (local.get $kb)))
      (local.set $ws (i32.add (local.get $ws) (local.get $kb)))
      (local.set $dq (i32.add (local.get $dq) (local.get $kb)))
      (br_if $inputs (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $count))))))
