// RUN: tvq-opt %s -tvq-split-dynamic-expand-shapes | FileCheck %s
// RUN: tvq-opt %s -tvq-split-dynamic-expand-shapes -expand-strided-metadata | FileCheck %s --check-prefix=EXPANDED

// One dimension split into two dynamic ones: a reinterpret_cast whose outer
// stride is the inner size times the source stride.
// CHECK-LABEL: func.func @two_dynamic(
// CHECK-SAME: %[[M:[^:]+]]: memref<?x16xf32>, %[[B:[^:]+]]: index, %[[N:[^:]+]]: index
// CHECK: %[[BASE:.+]], %{{.+}}, %{{.+}}:2, %{{.+}}:2 = memref.extract_strided_metadata %[[M]]
// CHECK: %[[S0:.+]] = arith.muli %[[N]], %c16 : index
// CHECK: memref.reinterpret_cast %[[BASE]] to offset: [0], sizes: [%[[B]], %[[N]], 16], strides: [%[[S0]], 16, 1] : memref<f32> to memref<?x?x16xf32>
// CHECK-NOT: memref.expand_shape
// EXPANDED-LABEL: func.func @two_dynamic(
// EXPANDED: memref.reinterpret_cast
func.func @two_dynamic(%m: memref<?x16xf32>, %b: index, %n: index) -> memref<?x?x16xf32> {
  %e = memref.expand_shape %m [[0, 1], [2]] output_shape [%b, %n, 16]
      : memref<?x16xf32> into memref<?x?x16xf32>
  return %e : memref<?x?x16xf32>
}

// One dynamic size per group: left to expand-strided-metadata.
// CHECK-LABEL: func.func @one_dynamic(
// CHECK: memref.expand_shape
func.func @one_dynamic(%m: memref<?xf32>, %n: index) -> memref<?x16xf32> {
  %e = memref.expand_shape %m [[0, 1]] output_shape [%n, 16]
      : memref<?xf32> into memref<?x16xf32>
  return %e : memref<?x16xf32>
}
