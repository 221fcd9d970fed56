;; The fixed part of @relax/logic's compiled-circuit evaluator (src/wasm_simd.ts): the ripple-carry class
;; counter for counters wider than the Harley–Seal counter's 16 planes. The gate loops and the Harley–Seal
;; counter depend on the circuit and the block width and are generated at run time; both modules share
;; one imported memory.
;; count(ptr, end, planes, vbytes): for each output entry (slotAddr, negMask) in [ptr, end) (8 bytes
;; each), add the slot's bits (xor negMask) into the bit-sliced counter at `planes` (plane q at
;; planes + q·vbytes), one 128-sample vector at a time, rippling the carry until no lane carries.
(module
  (import "env" "mem" (memory 1))
  (func (export "count") (param $ptr i32) (param $end i32) (param $planes i32) (param $vbytes i32)
    (local $slot i32) (local $neg i32) (local $j i32) (local $q i32) (local $carry v128) (local $t v128)
    (block $done
      (loop $entries
        (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
        (local.set $slot (i32.load (local.get $ptr)))
        (local.set $neg (i32.load offset=4 (local.get $ptr)))
        (local.set $j (i32.const 0))
        (loop $vectors
          (local.set $carry (v128.xor (v128.load (i32.add (local.get $slot) (local.get $j))) (i32x4.splat (local.get $neg))))
          (local.set $q (i32.add (local.get $planes) (local.get $j)))
          (block $carried
            (loop $ripple
              (br_if $carried (i32.eqz (v128.any_true (local.get $carry))))
              (local.set $t (v128.and (v128.load (local.get $q)) (local.get $carry)))
              (v128.store (local.get $q) (v128.xor (v128.load (local.get $q)) (local.get $carry)))
              (local.set $carry (local.get $t))
              (local.set $q (i32.add (local.get $q) (local.get $vbytes)))
              (br $ripple)))
          (br_if $vectors (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 16))) (local.get $vbytes))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 8)))
        (br $entries)))))
