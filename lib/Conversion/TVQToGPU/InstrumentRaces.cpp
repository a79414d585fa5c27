//===- InstrumentRaces.cpp - Calls that let cuda-sim find data races ------===//
//
// `tvq-instrument-races` prepares `gpu.launch` bodies for a data-race check
// in the cuda-sim lowering (`tvq-compile --target=cuda-sim
// --cuda-sim-race-check`). cuda-sim runs a block's threads one after the
// other between barriers, so a kernel whose threads share an element
// without a barrier between (a missing barrier, a wrongly joined loop, two
// threads storing to one element) computes something definite there, and
// often the right thing, while a GPU would race. With this pass the
// simulated kernels tell the runtime (RaceCheck.cpp) what each thread reads
// and writes and where it passes a barrier, and the runtime stops at the
// first element two threads touch without an order between them, one of
// them writing:
//   - before each launch: `_tvq_race_launch(name)`, which forgets the last
//     launch's accesses;
//   - before each `gpu.barrier`: `_tvq_race_barrier(block, thread)`;
//   - before each `memref.load` and `memref.store` of global or workgroup
//     memory: `_tvq_race_access(address, block, thread, kind, what)`, kind
//     bit 0 a store, bit 1 workgroup memory.
// `name` and `what` are addresses of NUL-terminated strings in
// `memref.global`s: "gpu.launch #3 in @train_step at model.mlir:12:5" and
// "memref.store to memref<64x65xf32, 3> at model.mlir:40:7". A thread's private
// memory (private attributions, allocas in the body) is its own and is not
// checked. Any other operation in a launch body that touches memory is
// refused with a located error, so that no access goes unchecked.
//
//===----------------------------------------------------------------------===//

#include "TextGlobals.h"
#include "tvq/Conversion/Passes.h"
#include "tvq/Dialect/TVQ/IR/SourceLocation.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQINSTRUMENTRACES
#include "tvq/Conversion/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

constexpr StringLiteral kLaunchFn = "_tvq_race_launch";
constexpr StringLiteral kBarrierFn = "_tvq_race_barrier";
constexpr StringLiteral kAccessFn = "_tvq_race_access";
constexpr int64_t kStoreBit = 1, kWorkgroupBit = 2;

/// The buffer `memref` is a view of (through subviews, casts, reshapes).
Value rootBuffer(Value memref) {
  while (auto view = memref.getDefiningOp<ViewLikeOpInterface>())
    memref = view.getViewSource();
  return memref;
}

bool isWorkgroup(MemRefType type) {
  auto space = dyn_cast_or_null<gpu::AddressSpaceAttr>(type.getMemorySpace());
  return space && space.getValue() == gpu::AddressSpace::Workgroup;
}

class Instrumenter {
public:
  explicit Instrumenter(ModuleOp module) : module(module), texts(module) {}

  LogicalResult run() {
    texts.declareFunction(kLaunchFn, 1);
    texts.declareFunction(kBarrierFn, 2);
    texts.declareFunction(kAccessFn, 5);
    SmallVector<gpu::LaunchOp> launches;
    module.walk([&](gpu::LaunchOp launch) { launches.push_back(launch); });
    DenseMap<Operation *, int64_t> ordinals;
    for (gpu::LaunchOp launch : launches) {
      auto func = launch->getParentOfType<FunctionOpInterface>();
      int64_t ordinal = ordinals[func]++;
      if (failed(instrument(launch, func, ordinal)))
        return failure();
    }
    return success();
  }

private:
  ModuleOp module;
  tvq::TextGlobals texts;

  static std::string describe(Operation *op, Type type) {
    std::string text;
    llvm::raw_string_ostream os(text);
    os << op->getName() << (isa<memref::StoreOp>(op) ? " to " : " from ")
       << type << " at " << tvq::formatLocation(op->getLoc());
    return text;
  }

  /// The element's address: the aligned pointer plus its linear offset
  /// (the layout's offset and strides) times the element's bytes.
  Value elementAddress(OpBuilder &b, Location loc, Value memref,
                       ValueRange indices) {
    auto type = cast<MemRefType>(memref.getType());
    SmallVector<int64_t> staticStrides;
    int64_t staticOffset;
    SmallVector<Value> strides;
    Value offset;
    if (succeeded(type.getStridesAndOffset(staticStrides, staticOffset)) &&
        !ShapedType::isDynamic(staticOffset) &&
        llvm::none_of(staticStrides, ShapedType::isDynamic)) {
      offset = arith::ConstantIndexOp::create(b, loc, staticOffset);
      for (int64_t s : staticStrides)
        strides.push_back(arith::ConstantIndexOp::create(b, loc, s));
    } else {
      auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, memref);
      offset = metadata.getOffset();
      llvm::append_range(strides, metadata.getStrides());
    }
    Value linear = offset;
    for (auto [i, s] : llvm::zip(indices, strides))
      linear = arith::AddIOp::create(b, loc, linear,
                                     arith::MulIOp::create(b, loc, i, s));
    int64_t bytes = std::max<int64_t>(1, type.getElementTypeBitWidth() / 8);
    Value pointer =
        memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
    return arith::AddIOp::create(
        b, loc, pointer,
        arith::MulIOp::create(b, loc, linear,
                              arith::ConstantIndexOp::create(b, loc, bytes)));
  }

  /// Whether `memref`, used in `launch`, is one thread's own memory.
  static bool isPrivate(Value memref, gpu::LaunchOp launch) {
    Value root = rootBuffer(memref);
    if (llvm::is_contained(launch.getPrivateAttributions(), root))
      return true;
    Operation *def = root.getDefiningOp();
    return def && isa<memref::AllocaOp>(def) &&
           launch.getBody().isAncestor(def->getParentRegion());
  }

  LogicalResult instrument(gpu::LaunchOp launch, FunctionOpInterface func,
                           int64_t ordinal) {
    std::string name;
    llvm::raw_string_ostream os(name);
    os << "gpu.launch #" << ordinal << " in @" << func.getName() << " at "
       << tvq::formatLocation(launch.getLoc());
    OpBuilder b(launch);
    Value nameAddress = texts.address(b, launch.getLoc(), name);
    func::CallOp::create(b, launch.getLoc(), kLaunchFn, TypeRange{},
                         ValueRange{nameAddress});

    Value block = launch.getBlockIds().x, thread = launch.getThreadIds().x;
    WalkResult result = launch.getBody().walk([&](Operation *op) {
      b.setInsertionPoint(op);
      Location loc = op->getLoc();
      if (isa<gpu::BarrierOp>(op)) {
        func::CallOp::create(b, loc, kBarrierFn, TypeRange{},
                             ValueRange{block, thread});
        return WalkResult::advance();
      }
      Value memref;
      ValueRange indices;
      int64_t kind = 0;
      if (auto load = dyn_cast<memref::LoadOp>(op)) {
        memref = load.getMemRef();
        indices = load.getIndices();
      } else if (auto store = dyn_cast<memref::StoreOp>(op)) {
        memref = store.getMemRef();
        indices = store.getIndices();
        kind |= kStoreBit;
      } else {
        return checkedElsewhere(op, launch);
      }
      if (isPrivate(memref, launch))
        return WalkResult::advance();
      auto type = cast<MemRefType>(memref.getType());
      if (isWorkgroup(type) ||
          llvm::is_contained(launch.getWorkgroupAttributions(),
                             rootBuffer(memref)))
        kind |= kWorkgroupBit;
      Value address = elementAddress(b, loc, memref, indices);
      Value what = texts.address(b, loc, describe(op, type));
      func::CallOp::create(
          b, loc, kAccessFn, TypeRange{},
          ValueRange{address, block, thread,
                     arith::ConstantIndexOp::create(b, loc, kind), what});
      return WalkResult::advance();
    });
    return failure(result.wasInterrupted());
  }

  /// Operations other than loads, stores and barriers: fine when they touch
  /// no memory, or only the thread's own.
  static WalkResult checkedElsewhere(Operation *op, gpu::LaunchOp launch) {
    if (isa<func::CallOp>(op) || isMemoryEffectFree(op) ||
        isa<memref::AllocaOp, memref::GetGlobalOp>(op) ||
        op->hasTrait<OpTrait::HasRecursiveMemoryEffects>() ||
        isa<gpu::ShuffleOp, gpu::TerminatorOp>(op))
      return WalkResult::advance();
    bool ownMemoryOnly = llvm::all_of(op->getOperands(), [&](Value v) {
      return !isa<MemRefType>(v.getType()) || isPrivate(v, launch);
    });
    if (ownMemoryOnly)
      return WalkResult::advance();
    op->emitOpError("touches memory in a kernel in a way the race check "
                    "does not follow (only memref.load and memref.store)");
    return WalkResult::interrupt();
  }
};

struct InstrumentRacesPass
    : public tvq::impl::TVQInstrumentRacesBase<InstrumentRacesPass> {
  void runOnOperation() override {
    if (failed(Instrumenter(getOperation()).run()))
      signalPassFailure();
  }
};

} // namespace
