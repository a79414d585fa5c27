// RUN: tvq-opt %s --tvq-asserts-to-runtime-errors --mlir-print-local-scope | FileCheck %s

// Each cf.assert becomes an scf.if on its negated condition around the
// runtime's _tvq_check_failed, called with the address of "<what> at
// <file:line:col>": the "^ " line of generate-runtime-verification's
// message and the assert's location.
// CHECK: func.func private @_tvq_check_failed(index)
// CHECK-LABEL: func.func @checked
// CHECK-SAME: (%[[OK:.*]]: i1, %[[OTHER:.*]]: i1)
// CHECK:      %[[TRUE:.*]] = arith.constant true
// CHECK:      %[[BAD:.*]] = arith.xori %[[OK]], %[[TRUE]] : i1
// CHECK:      scf.if %[[BAD]] {
// CHECK-NEXT:   %[[TEXT:.*]] = memref.get_global @[[FIRST:__tvq_text[_0-9]*]] : memref<35xi8>
// CHECK-NEXT:   %[[ADDRESS:.*]] = memref.extract_aligned_pointer_as_index %[[TEXT]]
// CHECK-NEXT:   func.call @_tvq_check_failed(%[[ADDRESS]]) : (index) -> ()
// CHECK-NEXT: }
// CHECK-NOT:  cf.assert
// A message without a "^ " line is kept whole.
// CHECK:      %[[BAD2:.*]] = arith.xori %[[OTHER]], %{{.*}} : i1
// CHECK:      scf.if %[[BAD2]] {
// CHECK-NEXT:   memref.get_global @{{__tvq_text[_0-9]*}} : memref<20xi8>
// CHECK:      return
// "out-of-bounds access at x.mlir:3:7" and a NUL: 35 bytes.
// CHECK: memref.global "private" constant @[[FIRST]] : memref<35xi8> = dense<[111, 117, 116, 45, 111, 102, 45, 98, 111, 117, 110, 100, 115, 32, 97, 99, 99, 101, 115, 115, 32, 97, 116, 32, 120, 46, 109, 108, 105, 114, 58, 51, 58, 55, 0]>
func.func @checked(%ok: i1, %other: i1) {
  cf.assert %ok, "ERROR: Runtime op verification failed\0A^ out-of-bounds access\0ALocation: loc(\22x.mlir\22:3:7)" loc("x.mlir":3:7)
  cf.assert %other, "plain" loc("y.mlir":1:2)
  return
}
