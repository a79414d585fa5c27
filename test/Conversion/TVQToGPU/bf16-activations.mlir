// RUN: tvq-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(tvq-bf16-activations))' | FileCheck %s

// A normalized activation (rows x features, rows dynamic) that only a matrix
// product reads, through a reshape: written as bf16 (rounded in the yield),
// the reshape bf16, the product widening it first thing in its body; the
// product's own result (it accumulates) stays f32.
#rows = affine_map<(r, d) -> (r, d)>
#row = affine_map<(r, d) -> (r)>
#x = affine_map<(b, t, n, k) -> (b, t, k)>
#w = affine_map<(b, t, n, k) -> (n, k)>
#y = affine_map<(b, t, n, k) -> (b, t, n)>
// CHECK-LABEL: func.func @normalized_then_projected
// CHECK: %[[E:.*]] = tensor.empty(%{{.*}}) : tensor<?x64xbf16>
// CHECK: %[[N:.*]] = linalg.generic {{.*}} outs(%[[E]] : tensor<?x64xbf16>)
// CHECK: ^bb0(%{{.*}}: f32, %{{.*}}: f32, %{{.*}}: bf16):
// CHECK:   %[[P:.*]] = arith.mulf
// CHECK:   %[[T:.*]] = arith.truncf %[[P]] : f32 to bf16
// CHECK:   linalg.yield %[[T]] : bf16
// CHECK: %[[V:.*]] = tensor.expand_shape %[[N]] {{.*}} : tensor<?x64xbf16> into tensor<?x?x64xbf16>
// CHECK: linalg.generic {{.*}} ins(%[[V]], %{{.*}} : tensor<?x?x64xbf16>, tensor<96x64xf32>) outs(%{{.*}} : tensor<?x?x96xf32>)
// CHECK: ^bb0(%[[A:.*]]: bf16, %[[B:.*]]: f32, %[[C:.*]]: f32):
// CHECK:   %[[WIDE:.*]] = arith.extf %[[A]] : bf16 to f32
// CHECK:   arith.mulf %[[WIDE]], %[[B]] : f32
// CHECK: -> tensor<?x?x96xf32>
func.func @normalized_then_projected(%x: tensor<?x64xf32>, %scale: tensor<?xf32>,
                                     %w: tensor<96x64xf32>, %b: index, %t: index,
                                     %acc: tensor<?x?x96xf32>) -> tensor<?x?x96xf32> {
  %c0 = arith.constant 0 : index
  %r = tensor.dim %x, %c0 : tensor<?x64xf32>
  %e = tensor.empty(%r) : tensor<?x64xf32>
  %n = linalg.generic {indexing_maps = [#rows, #row, #rows],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x, %scale : tensor<?x64xf32>, tensor<?xf32>) outs(%e : tensor<?x64xf32>) {
  ^bb0(%in: f32, %s: f32, %out: f32):
    %p = arith.mulf %in, %s : f32
    linalg.yield %p : f32
  } -> tensor<?x64xf32>
  %v = tensor.expand_shape %n [[0, 1], [2]] output_shape [%b, %t, 64]
      : tensor<?x64xf32> into tensor<?x?x64xf32>
  %y = linalg.generic {indexing_maps = [#x, #w, #y],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%v, %w : tensor<?x?x64xf32>, tensor<96x64xf32>) outs(%acc : tensor<?x?x96xf32>) {
  ^bb0(%a: f32, %bb: f32, %c: f32):
    %p = arith.mulf %a, %bb : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x?x96xf32>
  return %y : tensor<?x?x96xf32>
}

// -----

// What stays f32: an activation that an elementwise op reads too (the
// softmax's scores), one that is returned, one with a static shape (a
// parameter's update), and a mean (sum / count: both reductions that are not
// matrix products), even though only a product reads it.
#rows = affine_map<(r, d) -> (r, d)>
#row = affine_map<(r, d) -> (r)>
#sum = affine_map<(r, d) -> (r)>
#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>
// CHECK-LABEL: func.func @kept_f32
// CHECK-NOT: bf16
// CHECK: return
func.func @kept_f32(%x: tensor<?x8xf32>, %count: tensor<?xf32>, %w: tensor<8x8xf32>,
                    %acc: tensor<?x8xf32>, %p: tensor<8x8xf32>)
    -> (tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>,
        tensor<?x8xf32>, tensor<?x8xf32>) {
  %c0 = arith.constant 0 : index
  %r = tensor.dim %x, %c0 : tensor<?x8xf32>
  %e = tensor.empty(%r) : tensor<?x8xf32>
  // Read by a product and by an elementwise op.
  %s = linalg.generic {indexing_maps = [#rows, #rows], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x8xf32>) outs(%e : tensor<?x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %d = arith.addf %in, %in : f32
    linalg.yield %d : f32
  } -> tensor<?x8xf32>
  %sp = linalg.generic {indexing_maps = [#a, #b, #c],
                        iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%s, %w : tensor<?x8xf32>, tensor<8x8xf32>) outs(%acc : tensor<?x8xf32>) {
  ^bb0(%i0: f32, %i1: f32, %o: f32):
    %m = arith.mulf %i0, %i1 : f32
    %q = arith.addf %o, %m : f32
    linalg.yield %q : f32
  } -> tensor<?x8xf32>
  %ex = linalg.generic {indexing_maps = [#rows, #rows], iterator_types = ["parallel", "parallel"]}
      ins(%s : tensor<?x8xf32>) outs(%e : tensor<?x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %d = math.exp %in : f32
    linalg.yield %d : f32
  } -> tensor<?x8xf32>
  // Read by a product and returned.
  %g = linalg.generic {indexing_maps = [#rows, #rows], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x8xf32>) outs(%e : tensor<?x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %d = arith.mulf %in, %in : f32
    linalg.yield %d : f32
  } -> tensor<?x8xf32>
  %gp = linalg.generic {indexing_maps = [#a, #b, #c],
                        iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%g, %w : tensor<?x8xf32>, tensor<8x8xf32>) outs(%acc : tensor<?x8xf32>) {
  ^bb0(%i0: f32, %i1: f32, %o: f32):
    %m = arith.mulf %i0, %i1 : f32
    %q = arith.addf %o, %m : f32
    linalg.yield %q : f32
  } -> tensor<?x8xf32>
  // A reduction that is not a product, and the mean from it.
  %zero = arith.constant 0.0 : f32
  %er = tensor.empty(%r) : tensor<?xf32>
  %total = linalg.generic {indexing_maps = [#rows, #sum], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<?x8xf32>) outs(%er : tensor<?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %d = arith.addf %in, %out : f32
    linalg.yield %d : f32
  } -> tensor<?xf32>
  %one = arith.constant 1.0 : f32
  %cnt = linalg.generic {indexing_maps = [#rows, #sum], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<?x8xf32>) outs(%count : tensor<?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %d = arith.addf %one, %out : f32
    linalg.yield %d : f32
  } -> tensor<?xf32>
  %mean = linalg.generic {indexing_maps = [#row, #row, #rows], iterator_types = ["parallel", "parallel"]}
      ins(%total, %cnt : tensor<?xf32>, tensor<?xf32>) outs(%e : tensor<?x8xf32>) {
  ^bb0(%t: f32, %n: f32, %out: f32):
    %d = arith.divf %t, %n : f32
    linalg.yield %d : f32
  } -> tensor<?x8xf32>
  %mp = linalg.generic {indexing_maps = [#a, #b, #c],
                        iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%mean, %w : tensor<?x8xf32>, tensor<8x8xf32>) outs(%acc : tensor<?x8xf32>) {
  ^bb0(%i0: f32, %i1: f32, %o: f32):
    %m = arith.mulf %i0, %i1 : f32
    %q = arith.addf %o, %m : f32
    linalg.yield %q : f32
  } -> tensor<?x8xf32>
  // Static: a parameter's update, read by a product.
  %ep = tensor.empty() : tensor<8x8xf32>
  %u = linalg.generic {indexing_maps = [#rows, #rows], iterator_types = ["parallel", "parallel"]}
      ins(%p : tensor<8x8xf32>) outs(%ep : tensor<8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %d = arith.mulf %in, %in : f32
    linalg.yield %d : f32
  } -> tensor<8x8xf32>
  %ep2 = tensor.empty() : tensor<8x8xf32>
  %up = linalg.generic {indexing_maps = [#a, #b, #c],
                        iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%u, %w : tensor<8x8xf32>, tensor<8x8xf32>) outs(%ep2 : tensor<8x8xf32>) {
  ^bb0(%i0: f32, %i1: f32, %o: f32):
    %m = arith.mulf %i0, %i1 : f32
    %q = arith.addf %o, %m : f32
    linalg.yield %q : f32
  } -> tensor<8x8xf32>
  return %sp, %ex, %mp, %up, %u, %gp, %g : tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>,
      tensor<8x8xf32>, tensor<8x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>
}
