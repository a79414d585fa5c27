//===- Passes.h - Conversions out of the tvq dialect ------------*- C++ -*-===//
#ifndef TVQ_CONVERSION_PASSES_H
#define TVQ_CONVERSION_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
namespace tvq {

#define GEN_PASS_DECL
#include "tvq/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "tvq/Conversion/Passes.h.inc"

} // namespace tvq
} // namespace mlir

#endif // TVQ_CONVERSION_PASSES_H
