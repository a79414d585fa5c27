// RUN: tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-sink-constants-into-launches))' | FileCheck %s
// RUN: tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-sink-constants-into-launches),gpu-kernel-outlining)' | FileCheck %s --check-prefix=OUTLINED

// Constants used inside the launch are cloned into it (once each, also for
// uses in nested regions); other values from outside stay operands, and the
// host's own uses keep the original constant.
// CHECK-LABEL: func.func @sink
// CHECK-SAME: (%[[OUT:.*]]: memref<?xf32>, %[[N:.*]]: index)
// CHECK: %[[C16:.*]] = arith.constant 16 : index
// CHECK: %[[HALF:.*]] = arith.divui %[[N]], %[[C16]]
// CHECK: gpu.launch
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG: %[[IN16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[IN1:.*]] = arith.constant 1 : index
// CHECK: arith.remui %{{.*}}, %[[IN16]]
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[HALF]] step %[[IN1]]
// CHECK: arith.divui %{{.*}}, %[[IN16]]
// CHECK: memref.store %[[ONE]], %[[OUT]]
// CHECK-NOT: arith.constant 16
// OUTLINED: gpu.func @sink_kernel(%{{.*}}: memref<?xf32>, %{{.*}}: index)
// OUTLINED-NOT: gpu.func
func.func @sink(%out: memref<?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %one = arith.constant 1.0 : f32
  %half = arith.divui %n, %c16 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %n, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c16, %sy = %c1, %sz = %c1) {
    %r = arith.remui %tx, %c16 : index
    scf.for %i = %r to %half step %c1 {
      %q = arith.divui %i, %c16 : index
      memref.store %one, %out[%q] : memref<?xf32>
    }
    gpu.terminator
  }
  return
}
