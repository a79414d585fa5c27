//===- TextGlobals.cpp - Texts that generated code passes to the runtime --===//

#include "TextGlobals.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

Value tvq::TextGlobals::address(OpBuilder &b, Location loc, StringRef text) {
  memref::GlobalOp &global = globals[text];
  if (!global) {
    OpBuilder top = OpBuilder::atBlockEnd(module.getBody());
    SmallVector<int8_t> bytes(text.begin(), text.end());
    bytes.push_back(0);
    auto i8 = top.getIntegerType(8);
    auto type = MemRefType::get({int64_t(bytes.size())}, i8);
    auto init = DenseElementsAttr::get(
        RankedTensorType::get(type.getShape(), i8), ArrayRef(bytes));
    global = memref::GlobalOp::create(top, module.getLoc(), "__tvq_text",
                                      top.getStringAttr("private"), type, init,
                                      /*constant=*/true, /*alignment=*/nullptr);
    symbols.insert(global); // renames it to a unique symbol
  }
  Value buffer = memref::GetGlobalOp::create(b, loc, global.getType(),
                                             global.getSymName());
  return memref::ExtractAlignedPointerAsIndexOp::create(b, loc, buffer);
}

void tvq::TextGlobals::declareFunction(StringRef name, unsigned arguments) {
  if (symbols.lookup(name))
    return;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto type =
      b.getFunctionType(SmallVector<Type>(arguments, b.getIndexType()), {});
  auto fn = func::FuncOp::create(b, module.getLoc(), name, type);
  fn.setPrivate();
  symbols.insert(fn);
}
