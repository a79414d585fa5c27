// RUN: tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-approximate-math))' | FileCheck %s

// exp and log on vectors become arithmetic (no libm call per lane).
// CHECK-LABEL: func.func @softmax_parts
// CHECK-NOT: math.exp
// CHECK-NOT: math.log
// CHECK: arith.bitcast
// CHECK: return
func.func @softmax_parts(%x: vector<64xf32>, %n: vector<16xf32>) -> (vector<64xf32>, vector<16xf32>) {
  %e = math.exp %x : vector<64xf32>
  %l = math.log %n : vector<16xf32>
  return %e, %l : vector<64xf32>, vector<16xf32>
}
