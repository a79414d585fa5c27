// RUN: tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-cpu-fuse-row-chains))' | FileCheck %s
// RUN: tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-cpu-fuse-row-chains{threads=false rows=16}))' | FileCheck %s --check-prefix=SERIAL
// RUN: tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-cpu-fuse-row-chains,tvq-cpu-tile-and-vectorize))' | FileCheck %s --check-prefix=VEC

#qk = affine_map<(b, i, j, k) -> (b, i, k)>
#kk = affine_map<(b, i, j, k) -> (b, j, k)>
#sv = affine_map<(b, i, x, j) -> (b, i, j)>
#vv = affine_map<(b, i, x, j) -> (b, j, x)>
#o4 = affine_map<(b, i, j, k) -> (b, i, j)>
#id = affine_map<(b, i, j) -> (b, i, j)>
#row = affine_map<(b, i, j) -> (b, i)>

// A softmax attention block: scores q·k^T, row max, exp(s - max), row sum, weights·v, output
// acc / sum. One scf.forall of 32-row tasks (batch rows by 1) holds the whole chain; nothing
// of it is left outside.
// CHECK-LABEL: func.func @attention
// CHECK-NOT: linalg.generic
// CHECK: scf.forall (%{{.*}}, %{{.*}}) = (0, 0) to (%{{.*}}, 128) step (1, 32)
// CHECK: linalg.fill {{.*}} -> tensor<1x32x64xf32>
// CHECK: linalg.generic {{.*}}"reduction"]} ins({{.*}} : tensor<1x32x32xf32>, tensor<1x64x32xf32>)
// CHECK: linalg.fill {{.*}} -> tensor<1x32xf32>
// CHECK: arith.maximumf
// CHECK: } -> tensor<1x32xf32>
// CHECK: math.exp
// CHECK: } -> tensor<1x32x64xf32>
// CHECK: linalg.generic {{.*}}"reduction"]} ins({{.*}} : tensor<1x32x64xf32>, tensor<1x64x48xf32>)
// CHECK: linalg.generic {{.*}}"reduction"]} ins({{.*}} : tensor<1x32x64xf32>) outs({{.*}} : tensor<1x32xf32>)
// CHECK: arith.divf
// CHECK: } -> tensor<1x32x48xf32>
// CHECK: scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice
// CHECK-NOT: scf.forall
// CHECK-NOT: linalg.generic
// CHECK: return
// Without threads: one scf.for of 16-row tiles instead.
// SERIAL-LABEL: func.func @attention
// SERIAL-NOT: scf.forall
// SERIAL: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c1
// SERIAL: scf.for %{{.*}} = %c0{{.*}} to %c128 step %c16
// SERIAL: math.exp {{.*}} : f32
// SERIAL: arith.divf
// SERIAL: } -> tensor<1x16x48xf32>
// SERIAL: tensor.insert_slice
// SERIAL-NOT: linalg.generic
// SERIAL: return
// tvq-cpu-tile-and-vectorize register-tiles the ops inside the task without tasks of its own;
// k, read by every row of the task, is transposed once outside it.
// VEC-LABEL: func.func @attention
// VEC: scf.for {{.*}} -> (tensor<?x32x64xf32>)
// VEC: scf.forall
// VEC-NOT: scf.forall
// A task's 32 rows: 5 register tiles of 6 rows and a peeled one of 2.
// VEC: math.fma {{.*}} : vector<6x64xf32>
// VEC: math.fma {{.*}} : vector<2x64xf32>
// VEC: math.exp {{.*}} : vector<64xf32>
// VEC: math.fma {{.*}} : vector<6x48xf32>
// VEC: math.fma {{.*}} : vector<2x48xf32>
// VEC: scf.forall.in_parallel
// VEC-NOT: scf.forall
// VEC: return
func.func @attention(%q: tensor<?x128x32xf32>, %k: tensor<?x64x32xf32>,
                     %v: tensor<?x64x48xf32>) -> tensor<?x128x48xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %b = tensor.dim %q, %c0 : tensor<?x128x32xf32>
  %es = tensor.empty(%b) : tensor<?x128x64xf32>
  %zs = linalg.fill ins(%zero : f32) outs(%es : tensor<?x128x64xf32>) -> tensor<?x128x64xf32>
  %s = linalg.generic {indexing_maps = [#qk, #kk, #o4],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<?x128x32xf32>, tensor<?x64x32xf32>) outs(%zs : tensor<?x128x64xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %a = arith.addf %acc, %m : f32
    linalg.yield %a : f32
  } -> tensor<?x128x64xf32>
  %er = tensor.empty(%b) : tensor<?x128xf32>
  %mi = linalg.fill ins(%ninf : f32) outs(%er : tensor<?x128xf32>) -> tensor<?x128xf32>
  %max = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%s : tensor<?x128x64xf32>) outs(%mi : tensor<?x128xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %m = arith.maximumf %x, %acc : f32
    linalg.yield %m : f32
  } -> tensor<?x128xf32>
  %e = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s, %max : tensor<?x128x64xf32>, tensor<?x128xf32>) outs(%es : tensor<?x128x64xf32>) {
  ^bb0(%x: f32, %mx: f32, %o: f32):
    %d = arith.subf %x, %mx : f32
    %x2 = math.exp %d : f32
    linalg.yield %x2 : f32
  } -> tensor<?x128x64xf32>
  %si = linalg.fill ins(%zero : f32) outs(%er : tensor<?x128xf32>) -> tensor<?x128xf32>
  %sum = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%e : tensor<?x128x64xf32>) outs(%si : tensor<?x128xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %a = arith.addf %x, %acc : f32
    linalg.yield %a : f32
  } -> tensor<?x128xf32>
  %eo = tensor.empty(%b) : tensor<?x128x48xf32>
  %zo = linalg.fill ins(%zero : f32) outs(%eo : tensor<?x128x48xf32>) -> tensor<?x128x48xf32>
  %acc = linalg.generic {indexing_maps = [#sv, #vv, #o4],
                         iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%e, %v : tensor<?x128x64xf32>, tensor<?x64x48xf32>) outs(%zo : tensor<?x128x48xf32>) {
  ^bb0(%x: f32, %y: f32, %a: f32):
    %m = arith.mulf %x, %y : f32
    %r = arith.addf %a, %m : f32
    linalg.yield %r : f32
  } -> tensor<?x128x48xf32>
  %o = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%acc, %sum : tensor<?x128x48xf32>, tensor<?x128xf32>) outs(%eo : tensor<?x128x48xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %d = arith.divf %x, %y : f32
    linalg.yield %d : f32
  } -> tensor<?x128x48xf32>
  return %o : tensor<?x128x48xf32>
}

// The same chain on scaled queries that are also returned: fusing the scaling would leave the
// untiled op computing it again outside, so it stays outside and the task reads its rows;
// the rest of the chain is fused.
// CHECK-LABEL: func.func @producer_used_outside
// CHECK: arith.mulf
// CHECK: } -> tensor<?x128x32xf32>
// CHECK: scf.forall
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: scf.forall.in_parallel
// CHECK: return
func.func @producer_used_outside(%q0: tensor<?x128x32xf32>, %k: tensor<?x64x32xf32>,
                                 %v: tensor<?x64x48xf32>)
    -> (tensor<?x128x48xf32>, tensor<?x128x32xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %b = tensor.dim %q0, %c0 : tensor<?x128x32xf32>
  %eq = tensor.empty(%b) : tensor<?x128x32xf32>
  %q = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%q0 : tensor<?x128x32xf32>) outs(%eq : tensor<?x128x32xf32>) {
  ^bb0(%x: f32, %o: f32):
    %x2 = arith.mulf %x, %x : f32
    linalg.yield %x2 : f32
  } -> tensor<?x128x32xf32>
  %es = tensor.empty(%b) : tensor<?x128x64xf32>
  %zs = linalg.fill ins(%zero : f32) outs(%es : tensor<?x128x64xf32>) -> tensor<?x128x64xf32>
  %s = linalg.generic {indexing_maps = [#qk, #kk, #o4],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<?x128x32xf32>, tensor<?x64x32xf32>) outs(%zs : tensor<?x128x64xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %a = arith.addf %acc, %m : f32
    linalg.yield %a : f32
  } -> tensor<?x128x64xf32>
  %er = tensor.empty(%b) : tensor<?x128xf32>
  %mi = linalg.fill ins(%ninf : f32) outs(%er : tensor<?x128xf32>) -> tensor<?x128xf32>
  %max = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%s : tensor<?x128x64xf32>) outs(%mi : tensor<?x128xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %m = arith.maximumf %x, %acc : f32
    linalg.yield %m : f32
  } -> tensor<?x128xf32>
  %e = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s, %max : tensor<?x128x64xf32>, tensor<?x128xf32>) outs(%es : tensor<?x128x64xf32>) {
  ^bb0(%x: f32, %mx: f32, %o: f32):
    %d = arith.subf %x, %mx : f32
    %x2 = math.exp %d : f32
    linalg.yield %x2 : f32
  } -> tensor<?x128x64xf32>
  %si = linalg.fill ins(%zero : f32) outs(%er : tensor<?x128xf32>) -> tensor<?x128xf32>
  %sum = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%e : tensor<?x128x64xf32>) outs(%si : tensor<?x128xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %a = arith.addf %x, %acc : f32
    linalg.yield %a : f32
  } -> tensor<?x128xf32>
  %eo = tensor.empty(%b) : tensor<?x128x48xf32>
  %zo = linalg.fill ins(%zero : f32) outs(%eo : tensor<?x128x48xf32>) -> tensor<?x128x48xf32>
  %acc = linalg.generic {indexing_maps = [#sv, #vv, #o4],
                         iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%e, %v : tensor<?x128x64xf32>, tensor<?x64x48xf32>) outs(%zo : tensor<?x128x48xf32>) {
  ^bb0(%x: f32, %y: f32, %a: f32):
    %m = arith.mulf %x, %y : f32
    %r = arith.addf %a, %m : f32
    linalg.yield %r : f32
  } -> tensor<?x128x48xf32>
  %o = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%acc, %sum : tensor<?x128x48xf32>, tensor<?x128xf32>) outs(%eo : tensor<?x128x48xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %d = arith.divf %x, %y : f32
    linalg.yield %d : f32
  } -> tensor<?x128x48xf32>
  return %o, %q : tensor<?x128x48xf32>, tensor<?x128x32xf32>
}

// Too little work for threads (a small-width block: 16 rows): left alone.
// CHECK-LABEL: func.func @small
// CHECK-NOT: scf.forall
// CHECK: return
func.func @small(%q: tensor<?x16x32xf32>, %k: tensor<?x32x32xf32>) -> tensor<?x16xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %b = tensor.dim %q, %c0 : tensor<?x16x32xf32>
  %es = tensor.empty(%b) : tensor<?x16x32xf32>
  %zs = linalg.fill ins(%zero : f32) outs(%es : tensor<?x16x32xf32>) -> tensor<?x16x32xf32>
  %s = linalg.generic {indexing_maps = [#qk, #kk, #o4],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<?x16x32xf32>, tensor<?x32x32xf32>) outs(%zs : tensor<?x16x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %a = arith.addf %acc, %m : f32
    linalg.yield %a : f32
  } -> tensor<?x16x32xf32>
  %er = tensor.empty(%b) : tensor<?x16xf32>
  %mi = linalg.fill ins(%ninf : f32) outs(%er : tensor<?x16xf32>) -> tensor<?x16xf32>
  %max = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%s : tensor<?x16x32xf32>) outs(%mi : tensor<?x16xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %m = arith.maximumf %x, %acc : f32
    linalg.yield %m : f32
  } -> tensor<?x16xf32>
  %e = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s, %max : tensor<?x16x32xf32>, tensor<?x16xf32>) outs(%es : tensor<?x16x32xf32>) {
  ^bb0(%x: f32, %mx: f32, %o: f32):
    %d = arith.subf %x, %mx : f32
    %x2 = math.exp %d : f32
    linalg.yield %x2 : f32
  } -> tensor<?x16x32xf32>
  %si = linalg.fill ins(%zero : f32) outs(%er : tensor<?x16xf32>) -> tensor<?x16xf32>
  %sum = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%e : tensor<?x16x32xf32>) outs(%si : tensor<?x16xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %a = arith.addf %x, %acc : f32
    linalg.yield %a : f32
  } -> tensor<?x16xf32>
  return %sum : tensor<?x16xf32>
}
