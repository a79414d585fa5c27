// RUN: tvq-opt %s --split-input-file --tvq-instrument-races | FileCheck %s

// The runtime's three entry points are declared once.
// CHECK-DAG: func.func private @_tvq_race_launch(index)
// CHECK-DAG: func.func private @_tvq_race_barrier(index, index)
// CHECK-DAG: func.func private @_tvq_race_access(index, index, index, index, index)

// CHECK-LABEL: func.func @staged
// Before the launch: its name.
// CHECK:      %[[NAME:.*]] = memref.get_global @__tvq_text
// CHECK:      %[[NAMEP:.*]] = memref.extract_aligned_pointer_as_index %[[NAME]]
// CHECK:      call @_tvq_race_launch(%[[NAMEP]])
// CHECK:      gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in {{.*}} threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in
// The global load: address = aligned pointer + (0 + %g * 1) * 4, kind 0.
// CHECK:        %[[G:.*]] = arith.addi
// CHECK:        %[[C0:.*]] = arith.constant 0 : index
// CHECK:        %[[C1:.*]] = arith.constant 1 : index
// CHECK:        %[[M:.*]] = arith.muli %[[G]], %[[C1]]
// CHECK:        %[[L:.*]] = arith.addi %[[C0]], %[[M]]
// CHECK:        %[[P:.*]] = memref.extract_aligned_pointer_as_index %[[IN:.*]] : memref<?xf32>
// CHECK:        %[[C4:.*]] = arith.constant 4 : index
// CHECK:        %[[BYTES:.*]] = arith.muli %[[L]], %[[C4]]
// CHECK:        %[[A:.*]] = arith.addi %[[P]], %[[BYTES]]
// CHECK:        memref.get_global
// CHECK:        %[[W:.*]] = memref.extract_aligned_pointer_as_index
// CHECK:        %[[LOAD:.*]] = arith.constant 0 : index
// CHECK-NEXT:   call @_tvq_race_access(%[[A]], %[[BX]], %[[TX]], %[[LOAD]], %[[W]])
// CHECK-NEXT:   memref.load %[[IN]][%[[G]]]
// The private row is the thread's own: no call before its store.
// CHECK-NOT:    call
// CHECK:        memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<2xf32, 5>
// The workgroup store: kind 1 (store) + 2 (workgroup).
// CHECK:        %[[WS:.*]] = arith.constant 3 : index
// CHECK-NEXT:   call @_tvq_race_access(%{{.*}}, %[[BX]], %[[TX]], %[[WS]], %{{.*}})
// CHECK-NEXT:   memref.store %{{.*}}, %{{.*}}[%[[TX]]] : memref<64xf32, #gpu.address_space<workgroup>>
// CHECK:        call @_tvq_race_barrier(%[[BX]], %[[TX]])
// CHECK-NEXT:   gpu.barrier
// The workgroup load of the neighbour's element: kind 2.
// CHECK:        %[[WL:.*]] = arith.constant 2 : index
// CHECK-NEXT:   call @_tvq_race_access(%{{.*}}, %[[BX]], %[[TX]], %[[WL]], %{{.*}})
// CHECK-NEXT:   memref.load %{{.*}}[%{{.*}}] : memref<64xf32, #gpu.address_space<workgroup>>
// An alloca in the body is the thread's own too.
// CHECK-NOT:    call
// CHECK:        memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<1xf32>
// CHECK-NOT:    call
// CHECK:        memref.load %{{.*}}[%{{.*}}] : memref<1xf32>
// The global store: kind 1.
// CHECK:        memref.extract_aligned_pointer_as_index %{{.*}} : memref<{{[0-9]+}}xi8>
// CHECK-NEXT:   %[[GS:.*]] = arith.constant 1 : index
// CHECK-NEXT:   call @_tvq_race_access(%{{.*}}, %[[BX]], %[[TX]], %[[GS]], %{{.*}})
// CHECK-NEXT:   memref.store %{{.*}}, %{{.*}}[%[[G]]] : memref<?xf32>
// The launch's name and each access's description are NUL-terminated texts.
// CHECK: memref.global "private" constant @__tvq_text{{.*}} : memref<{{[0-9]+}}xi8> = dense<[103, 112, 117, 46, 108, 97, 117, 110, 99, 104, 32, 35, 48, 32, 105, 110, 32, 64, 115, 116, 97, 103, 101, 100

func.func @staged(%in: memref<?xf32>, %out: memref<?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %n, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1)
             workgroup(%shared : memref<64xf32, #gpu.address_space<workgroup>>)
             private(%row : memref<2xf32, 5>) {
    %base = arith.muli %bx, %c64 : index
    %g = arith.addi %base, %tx : index
    %v = memref.load %in[%g] : memref<?xf32>
    memref.store %v, %row[%c0] : memref<2xf32, 5>
    memref.store %v, %shared[%tx] : memref<64xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    %next = arith.addi %tx, %c1 : index
    %wrap = arith.remui %next, %c64 : index
    %w = memref.load %shared[%wrap] : memref<64xf32, #gpu.address_space<workgroup>>
    %own = memref.alloca() : memref<1xf32>
    memref.store %w, %own[%c0] : memref<1xf32>
    %x = memref.load %own[%c0] : memref<1xf32>
    memref.store %x, %out[%g] : memref<?xf32>
    gpu.terminator
  }
  return
}

// -----

// A view with a dynamic layout: offset and strides come from its metadata.
// CHECK-LABEL: func.func @strided
// CHECK:        %[[BASE:.*]], %[[OFF:.*]], %[[SIZES:.*]]:2, %[[STRIDES:.*]]:2 = memref.extract_strided_metadata %[[V:.*]] : memref<4x4xf32, strided<[?, 1], offset: ?>>
// CHECK:        %[[I:.*]] = arith.muli %{{.*}}, %[[STRIDES]]#0
// CHECK:        %[[L0:.*]] = arith.addi %[[OFF]], %[[I]]
// CHECK:        %[[J:.*]] = arith.muli %{{.*}}, %[[STRIDES]]#1
// CHECK:        %[[L1:.*]] = arith.addi %[[L0]], %[[J]]
// CHECK:        memref.extract_aligned_pointer_as_index %[[V]]
// CHECK:        arith.muli %[[L1]], %{{.*}}
// CHECK:        call @_tvq_race_access
// CHECK-NEXT:   memref.store %{{.*}}, %[[V]]
func.func @strided(%m: memref<?x?xf32>, %r: index, %n: index) {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %f = arith.constant 0.0 : f32
  %v = memref.subview %m[%r, 0] [4, 4] [1, 1] : memref<?x?xf32> to memref<4x4xf32, strided<[?, 1], offset: ?>>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c4, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1) {
    memref.store %f, %v[%bx, %tx] : memref<4x4xf32, strided<[?, 1], offset: ?>>
    gpu.terminator
  }
  return
}
