//===- TVQDialect.td - The tvq dialect definition ----------*- tablegen -*-===//
#ifndef TVQ_DIALECT_TD
#define TVQ_DIALECT_TD

include "mlir/IR/OpBase.td"

def TVQ_Dialect : Dialect {
  let name = "tvq";
  let cppNamespace = "::mlir::tvq";
  let summary = "Operations of Transformer-VQ: vector quantization and linear-time VQ attention";
  let description = [{
    The `tvq` dialect models the operations that make Transformer-VQ (Lingle, ICLR 2024) a
    linear-time transformer: quantizing keys against a learned codebook (`tvq.vq_quantize`),
    exact causal softmax attention over quantized keys computed block by block with a compressed
    per-code cache (`tvq.vq_attention`), and the EMA k-means codebook update
    (`tvq.codebook_ema`).

    The attention state is explicit in the IR: six tensors that a chunked call or a decode step
    carries from one call to the next (see `tvq.vq_attention`).
  }];
}

#endif // TVQ_DIALECT_TD
