//===- EmitPeakBytes.cpp - Estimate each entry's peak temporary memory ----===//
//
// `tvq-emit-peak-bytes` derives, on bufferized IR, `@F__tvq_peak_bytes` for
// every entry point `@F`: given the same arguments, it returns the largest
// number of bytes that `@F`'s `memref.alloc`s hold at once (its temporaries
// and outputs), or -1 when the pass could not follow `@F`. The runtime calls
// it before `@F` and refuses inputs whose temporaries would not fit in the
// available memory (docs/abi.md).
//
// The estimate follows the code in order: an allocation adds its bytes, a
// deallocation of that buffer (also under the ownership `scf.if` of the
// deallocation pipeline) subtracts them. An `scf.if` takes the larger of its
// branches; an `scf.for` adds its body's peak, and the bytes one iteration
// leaves allocated times the trip count (a buffer an `scf.for` carries and
// its body frees counts as one more buffer held around the body, which the
// free releases, and the loop's result as one held after it); the body of a
// parallel loop
// (`scf.forall`, `scf.parallel`) counts once per iteration that may run at
// the same time (at most kMaxConcurrentIterations). Calls are followed to
// the deallocation pipeline's helper and to functions declared without a
// body that return no buffer (the CUDA pipeline's GEMM library calls) only.
//
//===----------------------------------------------------------------------===//

#include "tvq/Dialect/TVQ/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/MathExtras.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQEMITPEAKBYTES
#include "tvq/Dialect/TVQ/Transforms/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kCheckSuffix = "__tvq_check";
constexpr llvm::StringLiteral kPeakSuffix = "__tvq_peak_bytes";
/// Parallel loop iterations assumed to hold their temporaries at once.
constexpr int64_t kMaxConcurrentIterations = 256;

/// Builds the estimate of one function into another.
class Estimator {
public:
  Estimator(OpBuilder &b, IRMapping &args) : b(b), values(args) {}

  /// Follows `block` from `live` bytes; returns false when it cannot.
  bool follow(Block &block, Value &live, Value &peak) {
    for (Operation &op : block)
      if (!followOp(op, live, peak))
        return false;
    return true;
  }

private:
  OpBuilder &b;
  IRMapping &values; // Values of the estimated function → the estimate's.
  llvm::DenseMap<Value, Value> bytesOf; // alloc result → its bytes.
  SmallVector<Value> allocated;         // every alloc followed, in order.
  llvm::DenseSet<Value> unfreed;        // those not deallocated yet.
  // Frees of buffers an scf.for carries → the bytes of one.
  llvm::DenseMap<Operation *, Value> carriedBytes;

  Location loc() { return b.getUnknownLoc(); }
  Value constant(int64_t v) {
    return arith::ConstantIndexOp::create(b, loc(), v);
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc(), x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc(), x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc(), x, y); }
  Value max(Value x, Value y) { return arith::MaxSIOp::create(b, loc(), x, y); }
  Value min(Value x, Value y) { return arith::MinSIOp::create(b, loc(), x, y); }

  /// `v` computed in the estimate: a function argument, or a side-effect
  /// free op of such values (memref.dim, arith); null when it is not.
  Value materialize(Value v) {
    if (Value known = values.lookupOrNull(v))
      return known;
    // Recorded, so that clones of the ops that use `v` use it.
    Value computed = compute(v);
    if (computed)
      values.map(v, computed);
    return computed;
  }

  /// materialize's work for a value not computed yet.
  Value compute(Value v) {
    if (auto dim = v.getDefiningOp<memref::DimOp>())
      if (std::optional<int64_t> index = dim.getConstantIndex())
        if (Value size = dimOf(dim.getSource(), *index))
          return size;
    Operation *def = v.getDefiningOp();
    if (!def || def->getNumRegions() != 0 ||
        !(isMemoryEffectFree(def) || isa<memref::DimOp>(def)))
      return nullptr;
    for (Value operand : def->getOperands())
      if (!materialize(operand))
        return nullptr;
    Operation *clone = b.clone(*def, values);
    return clone->getResult(cast<OpResult>(v).getResultNumber());
  }

  /// Dimension `index` of buffer `source` from how it was made: its type, an
  /// argument's size, an alloc's size operands, a view's sizes (expand_shape,
  /// collapse_shape, subview, cast, reinterpret_cast), an scf.for's initial
  /// buffer, an scf.if's branches. Null when none of these.
  Value dimOf(Value source, int64_t index) {
    auto type = dyn_cast<MemRefType>(source.getType());
    if (!type || index < 0 || index >= type.getRank())
      return nullptr;
    if (!type.isDynamicDim(index))
      return constant(type.getDimSize(index));
    auto fromFold = [&](OpFoldResult r) -> Value {
      if (auto v = dyn_cast<Value>(r))
        return materialize(v);
      return constant(cast<IntegerAttr>(cast<Attribute>(r)).getInt());
    };
    if (Value known = values.lookupOrNull(source)) // an argument
      return memref::DimOp::create(b, loc(), known, constant(index));
    // A buffer an scf.for carries keeps the shape of the one it starts from
    // (the attention state keeps its shape across blocks), in the body and
    // after the loop.
    if (auto arg = dyn_cast<BlockArgument>(source))
      if (auto loop = dyn_cast<scf::ForOp>(arg.getOwner()->getParentOp()))
        if (OpOperand *init = loop.getTiedLoopInit(arg))
          return dimOf(init->get(), index);
    Operation *def = source.getDefiningOp();
    if (auto loop = dyn_cast_if_present<scf::ForOp>(def))
      return dimOf(loop.getInitArgs()[cast<OpResult>(source).getResultNumber()],
                   index);
    if (auto alloc = dyn_cast_if_present<memref::AllocOp>(def))
      return materialize(
          alloc.getDynamicSizes()[type.getDynamicDimIndex(index)]);
    if (auto expand = dyn_cast_if_present<memref::ExpandShapeOp>(def))
      return fromFold(expand.getMixedOutputShape()[index]);
    if (auto collapse = dyn_cast_if_present<memref::CollapseShapeOp>(def)) {
      Value product = constant(1);
      for (int64_t d : collapse.getReassociationIndices()[index]) {
        Value size = dimOf(collapse.getSrc(), d);
        if (!size)
          return nullptr;
        product = mul(product, size);
      }
      return product;
    }
    if (auto cast = dyn_cast_if_present<memref::CastOp>(def))
      return dimOf(cast.getSource(), index);
    if (auto subview = dyn_cast_if_present<memref::SubViewOp>(def)) {
      // The sizes of the dimensions a rank-reducing subview keeps.
      llvm::SmallBitVector dropped = subview.getDroppedDims();
      int64_t kept = 0;
      for (auto [d, size] : llvm::enumerate(subview.getMixedSizes()))
        if (!dropped.test(d) && kept++ == index)
          return fromFold(size);
      return nullptr;
    }
    if (auto reinterpret = dyn_cast_if_present<memref::ReinterpretCastOp>(def))
      return fromFold(reinterpret.getMixedSizes()[index]);
    // A buffer an scf.if yields (a skipped layer's outputs beside the
    // computed ones): the larger of the branches' sizes.
    if (auto ifOp = dyn_cast_if_present<scf::IfOp>(def)) {
      unsigned n = cast<OpResult>(source).getResultNumber();
      if (!ifOp.elseBlock())
        return nullptr;
      Value thenSize = dimOf(ifOp.thenYield().getOperand(n), index);
      Value elseSize =
          thenSize ? dimOf(ifOp.elseYield().getOperand(n), index) : Value();
      return thenSize && elseSize ? max(thenSize, elseSize) : Value();
    }
    return nullptr;
  }

  /// A constant upper bound of a size computed inside a loop: a tile's
  /// `affine.min(64, n - i)` is at most 64. Null when there is none.
  Value constantBound(Value size) {
    auto min = size.getDefiningOp<affine::AffineMinOp>();
    if (!min)
      return nullptr;
    std::optional<int64_t> bound;
    for (AffineExpr e : min.getAffineMap().getResults())
      if (auto c = dyn_cast<AffineConstantExpr>(e))
        bound = bound ? std::min(*bound, c.getValue()) : c.getValue();
    return bound ? constant(*bound) : nullptr;
  }

  /// The bytes of one element of `type`; 0 when unknown.
  static int64_t elementBytes(Type type) {
    if (auto vector = dyn_cast<VectorType>(type))
      return vector.getNumElements() * elementBytes(vector.getElementType());
    if (type.isIndex())
      return 8;
    if (type.isIntOrFloat())
      return (type.getIntOrFloatBitWidth() + 7) / 8;
    return 0;
  }

  /// The bytes of a buffer whose dimensions dimOf can compute; null if not.
  Value bytesOfShape(Value buffer) {
    auto type = dyn_cast<MemRefType>(buffer.getType());
    int64_t element = type ? elementBytes(type.getElementType()) : 0;
    if (element == 0)
      return nullptr;
    Value bytes = constant(element);
    for (int64_t d = 0; d < type.getRank(); ++d) {
      Value size = dimOf(buffer, d);
      if (!size)
        return nullptr;
      bytes = mul(bytes, size);
    }
    return bytes;
  }

  /// The deallocations in `loop`'s body (directly or under an ownership
  /// scf.if) of buffers it carries: each frees the previous iteration's
  /// buffer (the attention state across blocks).
  static SmallVector<memref::DeallocOp> carriedFrees(scf::ForOp loop) {
    SmallVector<memref::DeallocOp> frees;
    auto visit = [&](Block &block) {
      for (auto dealloc : block.getOps<memref::DeallocOp>()) {
        auto arg = dyn_cast<BlockArgument>(rootBuffer(dealloc.getMemref()));
        if (arg && arg.getOwner() == loop.getBody() &&
            loop.getTiedLoopInit(arg))
          frees.push_back(dealloc);
      }
    };
    visit(*loop.getBody());
    for (auto ifOp : loop.getBody()->getOps<scf::IfOp>())
      visit(*ifOp.thenBlock());
    return frees;
  }

  /// The buffer a deallocated value belongs to (through views and casts).
  static Value rootBuffer(Value v) {
    while (Operation *def = v.getDefiningOp()) {
      auto view = dyn_cast<ViewLikeOpInterface>(def);
      if (!view)
        break;
      v = view.getViewSource();
    }
    return v;
  }

  bool followAlloc(memref::AllocOp alloc, Value &live, Value &peak) {
    MemRefType type = alloc.getType();
    int64_t element = elementBytes(type.getElementType());
    if (element == 0)
      return false;
    // The static part of the size; a size that overflows int64 is not
    // followed (huge-shape.mlir declares 2^63 - 1 per dimension).
    int64_t staticBytes = element;
    for (int64_t d : type.getShape())
      if (!ShapedType::isDynamic(d) &&
          llvm::MulOverflow(staticBytes, d, staticBytes))
        return false;
    Value bytes = constant(staticBytes);
    for (Value size : alloc.getDynamicSizes()) {
      Value known = materialize(size);
      if (!known)
        known = constantBound(size);
      if (!known)
        return false;
      bytes = mul(bytes, known);
    }
    bytesOf[alloc.getResult()] = bytes;
    allocated.push_back(alloc.getResult());
    unfreed.insert(alloc.getResult());
    live = add(live, bytes);
    peak = max(peak, live);
    return true;
  }

  /// Trip count of a loop dimension, or null.
  Value trips(Value lb, Value ub, Value step) {
    Value l = materialize(lb), u = materialize(ub), s = materialize(step);
    if (!l || !u || !s)
      return nullptr;
    Value n = arith::CeilDivSIOp::create(b, loc(), sub(u, l), s);
    return max(n, constant(0));
  }

  /// A loop body of `count` iterations (null: not computable), `concurrent`
  /// of them at once at most.
  bool followLoopBody(Block &body, Value count, bool concurrent, Value &live,
                      Value &peak) {
    Value start = live, bodyPeak = live;
    Value bodyLive = live;
    size_t firstAlloc = allocated.size();
    if (!follow(body, bodyLive, bodyPeak))
      return false;
    // Does an iteration free everything it allocates?
    bool balanced =
        llvm::none_of(ArrayRef<Value>(allocated).drop_front(firstAlloc),
                      [&](Value v) { return unfreed.contains(v); });
    if (!count && !balanced)
      return false;
    Value rise = sub(bodyPeak, start);
    Value copies = !concurrent ? constant(1)
                   : count     ? min(count, constant(kMaxConcurrentIterations))
                               : constant(kMaxConcurrentIterations);
    if (balanced) {
      peak = max(peak, add(start, mul(rise, copies)));
      live = start;
      return true;
    }
    // Bytes one iteration leaves allocated (outputs carried out of the loop).
    Value left = max(sub(bodyLive, start), constant(0));
    Value before = mul(left, max(sub(count, constant(1)), constant(0)));
    peak = max(peak, add(add(start, before), mul(rise, copies)));
    live = add(start, mul(left, count));
    peak = max(peak, live);
    return true;
  }

  bool followOp(Operation &op, Value &live, Value &peak) {
    // Regions that neither allocate nor free (most loops) change nothing;
    // their bounds need not be computable.
    if (op.getNumRegions() != 0) {
      bool touchesBuffers = false;
      op.walk([&](Operation *inner) {
        if (isa<memref::AllocOp, memref::DeallocOp>(inner))
          touchesBuffers = true;
      });
      if (!touchesBuffers)
        return true;
    }
    if (auto alloc = dyn_cast<memref::AllocOp>(op))
      return followAlloc(alloc, live, peak);
    if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
      Value root = rootBuffer(dealloc.getMemref());
      auto it = bytesOf.find(root);
      if (it != bytesOf.end() && unfreed.erase(root))
        live = sub(live, it->second);
      else if (Value bytes = carriedBytes.lookup(dealloc))
        live = sub(live, bytes);
      return true;
    }
    if (auto ifOp = dyn_cast<scf::IfOp>(op)) {
      // The deallocation pipeline's ownership checks: assume the buffer is
      // owned, so freed.
      bool onlyFrees = llvm::all_of(
          ifOp.thenBlock()->without_terminator(),
          [](Operation &inner) { return isa<memref::DeallocOp>(inner); });
      if (onlyFrees)
        return follow(*ifOp.thenBlock(), live, peak);
      Value thenLive = live, thenPeak = peak;
      if (!follow(*ifOp.thenBlock(), thenLive, thenPeak))
        return false;
      Value elseLive = live, elsePeak = peak;
      if (ifOp.elseBlock() && !follow(*ifOp.elseBlock(), elseLive, elsePeak))
        return false;
      live = max(thenLive, elseLive);
      peak = max(thenPeak, elsePeak);
      return true;
    }
    if (auto forOp = dyn_cast<scf::ForOp>(op)) {
      Value count =
          trips(forOp.getLowerBound(), forOp.getUpperBound(), forOp.getStep());
      // A buffer the loop carries and its body frees: the previous
      // iteration's is held during the body besides the initial one (which
      // its owner frees; counted as held throughout), and the body's free
      // releases it; the last one, the loop's result, stays held after the
      // loop until it is freed.
      SmallVector<std::pair<Value, Value>> carriedResults;
      for (memref::DeallocOp dealloc : carriedFrees(forOp)) {
        auto arg = cast<BlockArgument>(rootBuffer(dealloc.getMemref()));
        Value bytes = bytesOfShape(arg);
        if (!bytes)
          return false;
        carriedBytes[dealloc] = bytes;
        live = add(live, bytes);
        peak = max(peak, live);
        carriedResults.push_back({forOp.getTiedLoopResult(arg), bytes});
      }
      if (!followLoopBody(*forOp.getBody(), count, false, live, peak))
        return false;
      for (auto [result, bytes] : carriedResults) {
        bytesOf[result] = bytes;
        unfreed.insert(result);
      }
      return true;
    }
    if (auto forall = dyn_cast<scf::ForallOp>(op)) {
      Value count = constant(1);
      for (auto [lb, ub, step] :
           llvm::zip(forall.getMixedLowerBound(), forall.getMixedUpperBound(),
                     forall.getMixedStep())) {
        auto asValue = [&](OpFoldResult r) -> Value {
          if (auto v = dyn_cast<Value>(r))
            return v;
          return constant(cast<IntegerAttr>(cast<Attribute>(r)).getInt());
        };
        Value n = trips(asValue(lb), asValue(ub), asValue(step));
        count = n && count ? mul(count, n) : Value();
      }
      return followLoopBody(*forall.getBody(), count, true, live, peak);
    }
    if (auto parallel = dyn_cast<scf::ParallelOp>(op)) {
      Value count = constant(1);
      for (auto [lb, ub, step] :
           llvm::zip(parallel.getLowerBound(), parallel.getUpperBound(),
                     parallel.getStep())) {
        Value n = trips(lb, ub, step);
        count = n && count ? mul(count, n) : Value();
      }
      return followLoopBody(*parallel.getBody(), count, true, live, peak);
    }
    // Anything else with regions must not allocate (linalg ops on memrefs).
    bool allocates = false;
    op.walk([&](Operation *inner) {
      if (inner != &op && isa<memref::AllocOp>(inner))
        allocates = true;
    });
    if (allocates)
      return false;
    // Calls: the deallocation pipeline's helper, which allocates nothing,
    // and functions declared without a body that return no buffer (the CUDA
    // pipeline's GEMM library calls) are followed.
    if (auto call = dyn_cast<CallOpInterface>(op)) {
      auto callee =
          dyn_cast_if_present<SymbolRefAttr>(call.getCallableForCallee());
      if (!callee)
        return false;
      if (callee.getLeafReference().getValue().starts_with("dealloc_helper"))
        return true;
      auto function =
          dyn_cast_if_present<CallableOpInterface>(call.resolveCallable());
      return function && !function.getCallableRegion() &&
             llvm::none_of(op.getResultTypes(), llvm::IsaPred<BaseMemRefType>);
    }
    return true;
  }
};

struct TVQEmitPeakBytesPass
    : tvq::impl::TVQEmitPeakBytesBase<TVQEmitPeakBytesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> entries;
    for (auto func : module.getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal() &&
          module.lookupSymbol<func::FuncOp>(
              (func.getName() + kCheckSuffix).str()))
        entries.push_back(func);
    for (func::FuncOp func : entries)
      emitEstimate(module, func);
  }

  void emitEstimate(ModuleOp module, func::FuncOp func) {
    OpBuilder b(module.getBodyRegion());
    b.setInsertionPointAfter(func);
    auto type = FunctionType::get(&getContext(), func.getArgumentTypes(),
                                  {b.getI64Type()});
    auto estimate = func::FuncOp::create(
        b, func.getLoc(), (func.getName() + kPeakSuffix).str(), type);
    estimate->setAttr("llvm.emit_c_interface", b.getUnitAttr());
    Block *entry = estimate.addEntryBlock();
    b.setInsertionPointToStart(entry);
    IRMapping args;
    for (auto [from, to] :
         llvm::zip(func.getArguments(), entry->getArguments()))
      args.map(from, to);
    Estimator estimator(b, args);
    Value zero = arith::ConstantIndexOp::create(b, func.getLoc(), 0);
    Value live = zero, peak = zero;
    Value result;
    if (func.getBody().hasOneBlock() &&
        estimator.follow(func.getBody().front(), live, peak)) {
      result =
          arith::IndexCastOp::create(b, func.getLoc(), b.getI64Type(), peak);
    } else {
      // Not followed: throw the partial estimate away, return -1.
      estimate.getBody().front().clear();
      b.setInsertionPointToStart(entry);
      result = arith::ConstantIntOp::create(b, func.getLoc(), -1, 64);
    }
    func::ReturnOp::create(b, func.getLoc(), result);
  }
};

} // namespace
