// RUN: tvq-opt %s -cse -canonicalize | FileCheck %s --check-prefix=CSE
// RUN: tvq-opt %s -one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" | FileCheck %s --check-prefix=BUF

// Two recomputations of the same input stay apart under cse (the result is
// declared freshly allocated), and an unused one is erased.
// CSE-LABEL: func.func @kept_apart
// CSE-SAME: (%[[X:.+]]: tensor<?x8xf32>)
// CSE-NEXT: %[[A:.+]] = tvq.recompute_input %[[X]]
// CSE-NEXT: %[[B:.+]] = tvq.recompute_input %[[X]]
// CSE-NEXT: return %[[A]], %[[B]]
func.func @kept_apart(%x: tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>) {
  %a = tvq.recompute_input %x : tensor<?x8xf32>
  %b = tvq.recompute_input %x : tensor<?x8xf32>
  %dead = tvq.recompute_input %x : tensor<?x8xf32>
  return %a, %b : tensor<?x8xf32>, tensor<?x8xf32>
}

// Bufferized, it is the input's buffer: no allocation, no copy.
// BUF-LABEL: func.func @no_copy
// BUF-SAME: (%[[X:.+]]: memref<?x8xf32>)
// BUF-NEXT: return %[[X]]
func.func @no_copy(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %y = tvq.recompute_input %x : tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// It aliases its input: updating it in place while the input is still read
// elsewhere updates a copy.
// BUF-LABEL: func.func @updated
// BUF-SAME: (%[[X:.+]]: memref<?x8xf32>)
// BUF: %[[COPY:.+]] = memref.alloc
// BUF: memref.copy %[[X]], %[[COPY]]
// BUF: linalg.generic {{.*}} outs(%[[COPY]]
// BUF: return %[[COPY]], %[[X]]
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @updated(%x: tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>) {
  %c = arith.constant 1.0 : f32
  %y = tvq.recompute_input %x : tensor<?x8xf32>
  %u = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]}
      outs(%y : tensor<?x8xf32>) {
  ^bb0(%o: f32):
    %s = arith.addf %o, %c : f32
    linalg.yield %s : f32
  } -> tensor<?x8xf32>
  return %u, %x : tensor<?x8xf32>, tensor<?x8xf32>
}
