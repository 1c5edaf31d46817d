;; Hamming distances of one query code to n stored codes (binary-quantised vectors), with WASM SIMD.
;; The source of hamming-wasm.ts (`npm run wasm:hamming` compiles it with wabt; a test checks the two
;; agree). See binary-codes.ts for the memory layout and the caller.
;;
;; scan(q, codes, n, stride, out, hist):
;;   q      address of the query code, `stride` bytes
;;   codes  address of n codes, `stride` bytes each (stride a multiple of 16; padding bytes zero in
;;          the query and every code, so they add nothing)
;;   out    n u16: out[i] = popcount(q XOR code i)
;;   hist   u32 per distance, incremented: hist[out[i]] += 1 (the caller zeroes it)
;; Per 16 bytes: xor, i8x16.popcnt, then pairwise widening into u16 lanes (at most 16 per lane per
;; chunk, so a code of up to 4,096 chunks (65,536 bits) cannot overflow a lane).
(module
  (memory (export "memory") 1)
  (func (export "scan") (param $q i32) (param $codes i32) (param $n i32) (param $stride i32) (param $out i32) (param $hist i32)
    (local $end i32) (local $j i32) (local $acc v128) (local $s v128) (local $d i32) (local $h i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 1))))
    (block $done
      (loop $items
        (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
        (local.set $acc (v128.const i64x2 0 0))
        (local.set $j (i32.const 0))
        (loop $chunks
          (local.set $acc (i16x8.add (local.get $acc)
            (i16x8.extadd_pairwise_i8x16_u (i8x16.popcnt (v128.xor
              (v128.load (i32.add (local.get $codes) (local.get $j)))
              (v128.load (i32.add (local.get $q) (local.get $j))))))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br_if $chunks (i32.lt_u (local.get $j) (local.get $stride))))
        (local.set $s (i32x4.extadd_pairwise_i16x8_u (local.get $acc)))
        (local.set $d (i32.add
          (i32.add (i32x4.extract_lane 0 (local.get $s)) (i32x4.extract_lane 1 (local.get $s)))
          (i32.add (i32x4.extract_lane 2 (local.get $s)) (i32x4.extract_lane 3 (local.get $s)))))
        (i32.store16 (local.get $out) (local.get $d))
        (local.set $h (i32.add (local.get $hist) (i32.shl (local.get $d) (i32.const 2))))
        (i32.store (local.get $h) (i32.add (i32.load (local.get $h)) (i32.const 1)))
        (local.set $out (i32.add (local.get $out) (i32.const 2)))
        (local.set $codes (i32.add (local.get $codes) (local.get $stride)))
        (br $items))))
)
