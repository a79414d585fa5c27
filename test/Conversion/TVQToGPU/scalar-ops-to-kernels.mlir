// RUN: tvq-opt %s -split-input-file -tvq-scalar-ops-to-kernels | FileCheck %s

// The gradient norm's square root and a copy of a scalar's zero, on the
// host: each becomes a launch of one thread, the body loading the inputs
// at [] and storing the yielded value, so the host needs not wait for the
// GPU to read or write device memory.
// CHECK-LABEL: func.func @scalars(
// CHECK-SAME: %[[S:[^:]+]]: memref<f32>, %[[ZERO:[^:]+]]: memref<f32>
// CHECK: %[[N:.+]] = memref.alloc() : memref<f32>
// CHECK: %[[ACC:.+]] = memref.alloc() : memref<f32>
// CHECK: gpu.launch blocks({{.*}}) in ({{[^=]+}}= %[[ONE:[^,]+]], {{[^=]+}}= %[[ONE]], {{[^=]+}}= %[[ONE]]) threads({{.*}}) in ({{[^=]+}}= %[[ONE]], {{[^=]+}}= %[[ONE]], {{[^=]+}}= %[[ONE]])
// CHECK-NEXT:   %[[IN:.+]] = memref.load %[[S]][] : memref<f32>
// CHECK-NEXT:   %[[R:.+]] = math.sqrt %[[IN]] : f32
// CHECK-NEXT:   memref.store %[[R]], %[[N]][] : memref<f32>
// CHECK-NEXT:   gpu.terminator
// CHECK: gpu.launch
// CHECK-NEXT:   %[[Z:.+]] = memref.load %[[ZERO]][] : memref<f32>
// CHECK-NEXT:   memref.store %[[Z]], %[[ACC]][] : memref<f32>
// CHECK-NEXT:   gpu.terminator
// CHECK-NOT: linalg.generic
// CHECK-NOT: memref.copy
// CHECK: return %[[N]], %[[ACC]]
func.func @scalars(%s: memref<f32>, %zero: memref<f32>) -> (memref<f32>, memref<f32>) {
  %n = memref.alloc() : memref<f32>
  %acc = memref.alloc() : memref<f32>
  linalg.generic {indexing_maps = [affine_map<() -> ()>, affine_map<() -> ()>],
                  iterator_types = []}
      ins(%s : memref<f32>) outs(%n : memref<f32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.sqrt %in : f32
    linalg.yield %r : f32
  }
  memref.copy %zero, %acc : memref<f32> to memref<f32>
  return %n, %acc : memref<f32>, memref<f32>
}

// -----

// A named op (a fill) is generalized first.
// CHECK-LABEL: func.func @fill(
// CHECK: gpu.launch
// CHECK-NEXT: memref.store %{{.+}}, %{{.+}}[] : memref<f32>
// CHECK-NEXT: gpu.terminator
// CHECK-NOT: linalg.fill
func.func @fill() -> memref<f32> {
  %zero = arith.constant 0.0 : f32
  %acc = memref.alloc() : memref<f32>
  linalg.fill ins(%zero : f32) outs(%acc : memref<f32>)
  return %acc : memref<f32>
}

// -----

// Left alone: a scalar the host loads afterwards (it would wait anyway), an
// op that has loops, a scalar op already inside a parallel loop, and one on
// a buffer of the host's stack.
// CHECK-LABEL: func.func @left_alone(
// CHECK-NOT: gpu.launch
// CHECK: linalg.generic {{.*}}iterator_types = []
// CHECK: memref.load
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel"]
// CHECK: scf.parallel
// CHECK:   linalg.generic {{.*}}iterator_types = []
// CHECK: memref.copy
func.func @left_alone(%s: memref<i64>, %v: memref<4xf32>, %w: memref<4xf32>)
    -> (index, memref<f32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %seed = memref.alloc() : memref<i64>
  linalg.generic {indexing_maps = [affine_map<() -> ()>, affine_map<() -> ()>],
                  iterator_types = []}
      ins(%s : memref<i64>) outs(%seed : memref<i64>) {
  ^bb0(%in: i64, %out: i64):
    %one = arith.constant 1 : i64
    %r = arith.addi %in, %one : i64
    linalg.yield %r : i64
  }
  %x = memref.load %seed[] : memref<i64>
  %i = arith.index_cast %x : i64 to index
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                  iterator_types = ["parallel"]}
      ins(%v : memref<4xf32>) outs(%w : memref<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  %t = memref.alloc() : memref<f32>
  scf.parallel (%j) = (%c0) to (%c4) step (%c1) {
    linalg.generic {indexing_maps = [affine_map<() -> ()>], iterator_types = []}
        outs(%t : memref<f32>) {
    ^bb0(%out: f32):
      %z = arith.constant 0.0 : f32
      linalg.yield %z : f32
    }
    scf.reduce
  }
  %stack = memref.alloca() : memref<f32>
  memref.copy %t, %stack : memref<f32> to memref<f32>
  return %i, %t : index, memref<f32>
}
