// RUN: tvq-opt %s -tvq-insert-runtime-checks -tvq-build-manifest -split-input-file -verify-diagnostics | FileCheck %s

// The manifest lists inputs and outputs with names, element types and shapes
// (? for dynamic), then the check messages; entry points and their check
// functions get C interfaces, and the names leave the function.

// CHECK: module attributes {tvq.manifest = "tvq-manifest 1\0Atarget cpu\0Aentry quantize 2 2\0Ainput 0 keys f32 3 ? ? 4\0Ainput 1 arg1 f32 2 5 4\0Aoutput 0 codes i32 2 ? ?\0Aoutput 1 result1 f32 2 ? ?\0Aend\0A"}
// CHECK: func.func @quantize(%{{.+}}: tensor<?x?x4xf32>, %{{.+}}: tensor<5x4xf32>) -> (tensor<?x?xi32>, tensor<?x?xf32>) attributes {llvm.emit_c_interface}
// CHECK: func.func @quantize__tvq_check({{.*}}) -> i32 attributes {llvm.emit_c_interface, tvq.check_messages = []}
func.func @quantize(%k: tensor<?x?x4xf32> {tvq.name = "keys"}, %c: tensor<5x4xf32>)
    -> (tensor<?x?xi32> {tvq.name = "codes"}, tensor<?x?xf32>) {
  %kh, %z, %e = tvq.vq_quantize %k, %c
      : (tensor<?x?x4xf32>, tensor<5x4xf32>) -> (tensor<?x?x4xf32>, tensor<?x?xi32>, tensor<?x?xf32>)
  return %z, %e : tensor<?x?xi32>, tensor<?x?xf32>
}

// -----

// expected-error @+1 {{input 1 of entry point 'scalar' has type 'f32'; entry points take and return ranked tensors of f32, f64, i32 or i64}}
func.func @scalar(%k: tensor<?xf32>, %s: f32) -> tensor<?xf32> {
  return %k : tensor<?xf32>
}

// -----

// expected-error @+1 {{output 0 of entry point 'half' has type 'tensor<4xf16>'}}
func.func @half(%k: tensor<4xf32>) -> tensor<4xf16> {
  %h = arith.truncf %k : tensor<4xf32> to tensor<4xf16>
  return %h : tensor<4xf16>
}
