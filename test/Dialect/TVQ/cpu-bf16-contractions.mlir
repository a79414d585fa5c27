// The bf16 mode of tvq-cpu-tile-and-vectorize (tvq-compile --cpu-matmul=bf16).
// RUN: tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-cpu-tile-and-vectorize{matmul=bf16}))' | FileCheck %s
// The default (f32) leaves every contraction to the FMA kernel.
// RUN: tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-cpu-tile-and-vectorize))' | FileCheck %s --check-prefix=F32
// Down to the LLVM dialect and assembly, for a CPU with AVX512-BF16 whatever the host:
// RUN: tvq-compile %s --cpu=sapphirerapids --cpu-matmul=bf16 --compile-to=llvm -o - | FileCheck %s --check-prefix=LLVM
// RUN: tvq-compile %s --cpu=sapphirerapids --cpu-matmul=bf16 --compile-to=asm -o - | FileCheck %s --check-prefix=ASM
// A CPU without it is refused; an unknown mode too.
// RUN: not tvq-compile %s --cpu=skylake-avx512 --cpu-matmul=bf16 -o %t.so 2>&1 | FileCheck %s --check-prefix=NOBF16
// RUN: not tvq-compile %s --cpu-matmul=fp8 -o %t.so 2>&1 | FileCheck %s --check-prefix=BADMODE
// RUN: not tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-cpu-tile-and-vectorize{matmul=bf16 vector-width=8}))' 2>&1 | FileCheck %s --check-prefix=WIDTH

// out[m,n] += a[m,k] b[k,n], K = 256: b is packed once into the pair-interleaved layout
// [K/2, N, 2] (expanded to [K/2, 2, N], rounded and permuted by one generic in 16 x 2 tiles), a is
// rounded along k and expanded to [M, K/2, 2]. The kernel, per pair of k: 6 rows x 64 lanes of
// f32 accumulators carried in registers, b's 64 x 2 tile read as 128 contiguous bf16, each row's
// pair broadcast as one 32-bit lane, 24 x86vector.avx512.dot; the 4 rows left of a 64-row task
// (10 x 6 + 4) are a peeled 4 x 64 tile with 16.
// CHECK-LABEL: func.func @mm
// CHECK: tensor.expand_shape %arg1 {{\[\[}}0, 1], [2]] output_shape [128, 2, 512] : tensor<256x512xf32> into tensor<128x2x512xf32>
// CHECK: tensor.empty() : tensor<128x512x2xbf16>
// CHECK: vector.transfer_read {{.*}} permutation_map = {{.*}} : tensor<2x16xf32>, vector<16x2xf32>
// CHECK: arith.truncf {{.*}} : vector<16x2xf32> to vector<16x2xbf16>
// CHECK: arith.truncf {{.*}} : vector<64xf32> to vector<64xbf16>
// CHECK: tensor.expand_shape {{.*}} : tensor<128x256xbf16> into tensor<128x128x2xbf16>
// CHECK: scf.forall
// CHECK: scf.for {{.*}} -> (vector<6x64xf32>)
// CHECK: tensor.collapse_shape {{.*}} : tensor<64x2xbf16> into tensor<128xbf16>
// CHECK: vector.bitcast {{.*}} : vector<2xbf16> to vector<1xi32>
// CHECK: vector.broadcast {{.*}} : vector<1xi32> to vector<16xi32>
// CHECK: vector.bitcast {{.*}} : vector<16xi32> to vector<32xbf16>
// CHECK-COUNT-24: x86vector.avx512.dot {{.*}} : vector<32xbf16> -> vector<16xf32>
// CHECK-NOT: x86vector.avx512.dot
// CHECK: scf.yield {{.*}} : vector<6x64xf32>
// CHECK: scf.for {{.*}} -> (vector<4x64xf32>)
// CHECK-COUNT-16: x86vector.avx512.dot {{.*}} : vector<32xbf16> -> vector<16xf32>
// CHECK-NOT: x86vector.avx512.dot
// CHECK: scf.yield {{.*}} : vector<4x64xf32>
// CHECK-NOT: math.fma
// CHECK-LABEL: func.func @odd
// F32-LABEL: func.func @mm
// F32-NOT: bf16
// F32: math.fma {{.*}} : vector<6x64xf32>
// F32: math.fma {{.*}} : vector<4x64xf32>
// F32-LABEL: func.func @odd
// LLVM-LABEL: llvm.func @mm
// LLVM: llvm.call_intrinsic "llvm.x86.avx512bf16.dpbf16ps.512"({{.*}}) : (vector<16xf32>, vector<32xbf16>, vector<32xbf16>) -> vector<16xf32>
// ASM-LABEL: mm:
// ASM: vbroadcastss
// ASM: vdpbf16ps %zmm
// NOBF16: tvq-compile: error: --cpu-matmul=bf16 needs AVX512-BF16 (vdpbf16ps), which --cpu=skylake-avx512 lacks
// BADMODE: tvq-compile: error: unknown --cpu-matmul 'fp8' (f32 or bf16)
// WIDTH: matmul=bf16 needs vector-width=16 (AVX-512), not 8
func.func @mm(%a: tensor<128x256xf32>, %b: tensor<256x512xf32>) -> tensor<128x512xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<128x512xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<128x512xf32>) -> tensor<128x512xf32>
  %r = linalg.matmul ins(%a, %b : tensor<128x256xf32>, tensor<256x512xf32>) outs(%f : tensor<128x512xf32>) -> tensor<128x512xf32>
  return %r : tensor<128x512xf32>
}

// K = 65 (odd): both operands get one zero along k (tensor.pad) before the pairs are formed;
// b [N, K] is read transposed into [K/2, N, 2].
// CHECK: tensor.pad %arg1 low[0, 0] high[0, 1]
// CHECK: tensor.expand_shape %padded {{.*}} : tensor<128x66xf32> into tensor<128x33x2xf32>
// CHECK: tensor.pad {{.*}} low[0, 0] high[0, 1]
// CHECK: tensor<64x66xbf16> into tensor<64x33x2xbf16>
// CHECK: x86vector.avx512.dot
func.func @odd(%a: tensor<64x65xf32>, %b: tensor<128x65xf32>) -> tensor<64x128xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x128xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<64x128xf32>) -> tensor<64x128xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<64x65xf32>, tensor<128x65xf32>) outs(%f : tensor<64x128xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<64x128xf32>
  return %r : tensor<64x128xf32>
}

// K = 32 < 64: left in f32.
// CHECK-LABEL: func.func @short
// CHECK-NOT: bf16
// CHECK: math.fma {{.*}} : vector<4x64xf32>
// CHECK-NOT: bf16
func.func @short(%a: tensor<64x32xf32>, %b: tensor<32x128xf32>) -> tensor<64x128xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x128xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<64x128xf32>) -> tensor<64x128xf32>
  %r = linalg.matmul ins(%a, %b : tensor<64x32xf32>, tensor<32x128xf32>) outs(%f : tensor<64x128xf32>) -> tensor<64x128xf32>
  return %r : tensor<64x128xf32>
}
