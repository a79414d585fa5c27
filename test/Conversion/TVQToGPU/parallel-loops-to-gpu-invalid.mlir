// RUN: tvq-opt %s --verify-diagnostics --pass-pipeline='builtin.module(func.func(tvq-parallel-loops-to-gpu))'

// Reductions carried by scf.parallel are refused with a located error.
func.func @reduce(%a: memref<?xf32>, %n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  // expected-error@+1 {{'scf.parallel' op with reductions is not mapped to the GPU}}
  %r = scf.parallel (%i) = (%c0) to (%n) step (%c1) init (%zero) -> f32 {
    %v = memref.load %a[%i] : memref<?xf32>
    scf.reduce(%v : f32) {
    ^bb0(%x: f32, %y: f32):
      %s = arith.addf %x, %y : f32
      scf.reduce.return %s : f32
    }
  }
  return %r : f32
}
