//===- Passes.td - Conversions out of the tvq dialect ------*- tablegen -*-===//
#ifndef TVQ_CONVERSION_PASSES_TD
#define TVQ_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertTVQToLinalg : Pass<"convert-tvq-to-linalg", "::mlir::func::FuncOp"> {
  let summary = "Lower tvq ops to linalg, tensor, arith and math on tensors";
  let description = [{
    - `tvq.vq_quantize`: squared distances to every code (a contraction),
      an argmin that keeps the lowest index on ties, a gather of the chosen
      codes.
    - `tvq.codebook_ema`: one-hot sums of keys and counts, blended with
      gamma.
    - `tvq.vq_attention` of exactly one block (T = block_len; run
      `tvq-split-attention-blocks` first): the block attends to the
      compressed cache (`(q+u)·C^T + log count`, masked where a count is 0)
      and to the window buffer `[win ; block]` of M + L uncompressed keys
      with the relative-position bias for distance <= M and the causal mask;
      one running max and one sum over both; values from the cache means
      and the buffer. Then the L oldest buffer positions move into the cache
      (counts and means, never raw sums) and the newest M become the window.

    Before:
    ```mlir
    %o, %s:6 = tvq.vq_attention %qb, ... state(...)
        {block_len = 16 : i64, mem_len = 16 : i64} : (tensor<?x16x32xf32>, ...)
    ```
    After: `linalg.generic` contractions and elementwise ops, e.g.
    ```mlir
    %scores = linalg.generic {iterator_types = ["parallel", "parallel",
        "parallel", "reduction"]} ins(%qu, %codebook ...) outs(%zero ...) ...
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect"];
}

#endif // TVQ_CONVERSION_PASSES_TD
