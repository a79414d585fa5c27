//===- Call.cpp - Calling an entry point through the memref ABI -----------===//
//
// Implements tvq_call following docs/abi.md: validate the inputs against the
// manifest, pass them as dense memref descriptors to `_tvq_check_<F>` and
// `_tvq_packed_<F>`, copy each output (read through its offset and strides)
// into a dense tensor, and free the module's result buffers. A CUDA module
// gets its inputs in managed memory, its errors are collected from the CUDA
// backend after the device has finished, and its buffers are managed memory
// (CudaRuntime.h).
//
//===----------------------------------------------------------------------===//

#include "CudaRuntime.h"
#include "Error.h"
#include "Module.h"
#include "Tensor.h"

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>

using namespace tvq;

static_assert(sizeof(void *) == sizeof(int64_t),
              "memref descriptors assume 8-byte pointers");

namespace {

/// A memref descriptor as its 8-byte fields: allocated, aligned, offset,
/// sizes[rank], strides[rank].
using Descriptor = std::vector<int64_t>;

/// The number of 8-byte fields of a descriptor of rank r.
size_t descriptorFields(size_t rank) { return 3 + 2 * rank; }

int64_t pointerToField(const void *pointer) {
  int64_t field;
  std::memcpy(&field, &pointer, sizeof(field));
  return field;
}

void *fieldToPointer(int64_t field) {
  void *pointer;
  std::memcpy(&pointer, &field, sizeof(pointer));
  return pointer;
}

/// The dense row-major descriptor of an input tensor whose data is at data
/// (the tensor's own, or a copy).
Descriptor inputDescriptor(const tvq_tensor &tensor, const void *data) {
  size_t rank = tensor.shape.size();
  Descriptor fields(descriptorFields(rank));
  fields[0] = fields[1] = pointerToField(data);
  fields[2] = 0;
  int64_t stride = 1;
  for (size_t k = rank; k-- > 0;) {
    fields[3 + k] = tensor.shape[k];
    fields[3 + rank + k] = stride;
    stride *= tensor.shape[k];
  }
  return fields;
}

/// "x f32[2,3], y f32[3]": the actual types of the inputs.
std::string describeInputs(const EntrySpec &spec,
                           const tvq_tensor *const *inputs) {
  std::string text;
  for (size_t i = 0; i < spec.inputs.size(); ++i) {
    if (i)
      text += ", ";
    text += spec.inputs[i].name + " " +
            formatType(inputs[i]->dtype, inputs[i]->shape);
  }
  return text;
}

/// "(x, y)": the names of args.
std::string listNames(const std::vector<ArgSpec> &args) {
  std::string text = "(";
  for (size_t i = 0; i < args.size(); ++i)
    text += (i ? ", " : "") + args[i].name;
  return text + ")";
}

/// Returns an error message if the inputs do not match the manifest.
std::string validateInputs(const EntrySpec &spec,
                           const tvq_tensor *const *inputs, int32_t numInputs) {
  if (numInputs < 0 || static_cast<size_t>(numInputs) != spec.inputs.size())
    return "expects " + std::to_string(spec.inputs.size()) + " inputs " +
           listNames(spec.inputs) + ", got " + std::to_string(numInputs);
  for (size_t i = 0; i < spec.inputs.size(); ++i) {
    const ArgSpec &arg = spec.inputs[i];
    std::string what = "input " + std::to_string(i) + " '" + arg.name + "'";
    if (!inputs || !inputs[i])
      return what + " is null";
    const tvq_tensor &tensor = *inputs[i];
    bool matches =
        tensor.dtype == arg.dtype && tensor.shape.size() == arg.dims.size();
    for (size_t k = 0; matches && k < arg.dims.size(); ++k)
      matches = arg.dims[k] < 0 || arg.dims[k] == tensor.shape[k];
    if (!matches)
      return what + ": expected " + formatType(arg.dtype, arg.dims) + ", got " +
             formatType(tensor.dtype, tensor.shape);
  }
  return "";
}

/// Copies the count elements of a strided array (element (i...) at
/// base + (offset + sum_k i_k * strides[k]) * elemSize) into dense row-major
/// dst.
void copyStrided(const char *base, int64_t offset,
                 const std::vector<int64_t> &sizes,
                 const std::vector<int64_t> &strides, size_t elemSize,
                 int64_t count, char *dst) {
  if (count == 0)
    return;
  bool dense = true;
  int64_t denseStride = 1;
  for (size_t k = sizes.size(); k-- > 0;) {
    if (sizes[k] != 1 && strides[k] != denseStride)
      dense = false;
    denseStride *= sizes[k];
  }
  if (dense) {
    std::memcpy(dst, base + offset * static_cast<int64_t>(elemSize),
                count * elemSize);
    return;
  }
  // Walk the indices in row-major order like an odometer, keeping position
  // equal to offset + sum_k index[k] * strides[k].
  std::vector<int64_t> index(sizes.size(), 0);
  int64_t position = offset;
  for (int64_t n = 0; n < count; ++n) {
    std::memcpy(dst + n * elemSize,
                base + position * static_cast<int64_t>(elemSize), elemSize);
    for (size_t k = sizes.size(); k-- > 0;) {
      if (++index[k] < sizes[k]) {
        position += strides[k];
        break;
      }
      position -= strides[k] * (sizes[k] - 1);
      index[k] = 0;
    }
  }
}

/// Copies the output described by fields into a new dense tensor; returns an
/// error message when the descriptor contradicts the manifest.
std::string copyOutput(const ArgSpec &arg, const int64_t *fields,
                       tvq_tensor *&result) {
  size_t rank = arg.dims.size();
  std::vector<int64_t> sizes(fields + 3, fields + 3 + rank);
  std::vector<int64_t> strides(fields + 3 + rank, fields + 3 + 2 * rank);
  for (size_t k = 0; k < rank; ++k)
    if (sizes[k] < 0 || (arg.dims[k] >= 0 && sizes[k] != arg.dims[k]))
      return "the module returned " + formatType(arg.dtype, sizes) +
             ", but the manifest declares " + formatType(arg.dtype, arg.dims);
  // Every element is written by the copy below.
  result = createTensor(arg.dtype, sizes, /*zeroed=*/false);
  if (!result)
    return tvq_last_error();
  int64_t count = tvq_tensor_num_elements(result);
  const char *aligned = static_cast<const char *>(fieldToPointer(fields[1]));
  if (count > 0 && !aligned)
    return "the module returned a null data pointer";
  copyStrided(aligned, fields[2], sizes, strides, tvq_dtype_size(arg.dtype),
              count, static_cast<char *>(result->data));
  return "";
}

/// A tensor owning `bytes` of CUDA managed memory at `data` (from
/// cuda::allocManaged; freed with it).
tvq_tensor *managedTensor(tvq_dtype dtype, std::vector<int64_t> shape,
                          size_t bytes, void *data) {
  auto *tensor = new tvq_tensor();
  tensor->dtype = dtype;
  tensor->shape = std::move(shape);
  tensor->numBytes = bytes;
  tensor->data = data;
  tensor->managed = true;
  return tensor;
}

/// Takes over a CUDA module's output buffer as the data of a new tensor
/// instead of copying it, when it can be: a block of managed memory that
/// nothing else owns (not an input, not taken by another output), holding
/// the output densely from its start. Parameters and optimizer state then
/// stay in managed memory, on the GPU, from one training step to the next
/// (ManagedCopies passes them back without a copy). False when the output
/// must be copied.
bool adoptOutput(const ArgSpec &arg, const int64_t *fields,
                 const std::set<void *> &owned, tvq_tensor *&result) {
  size_t rank = arg.dims.size();
  void *allocated = fieldToPointer(fields[0]);
  if (!allocated || allocated != fieldToPointer(fields[1]) || fields[2] != 0 ||
      owned.count(allocated) || !cuda::isLiveManagedBlock(allocated))
    return false;
  int64_t count = 1;
  for (size_t k = rank; k-- > 0;) {
    int64_t size = fields[3 + k], stride = fields[3 + rank + k];
    if (size < 0 || (arg.dims[k] >= 0 && size != arg.dims[k]))
      return false; // copyOutput reports it
    if (size != 1 && stride != count)
      return false;
    count *= size;
  }
  if (count == 0)
    return false;
  result = managedTensor(
      arg.dtype, std::vector<int64_t>(fields + 3, fields + 3 + rank),
      static_cast<size_t>(count) * tvq_dtype_size(arg.dtype), allocated);
  return true;
}

/// The managed-memory copies of a CUDA module's inputs, freed on
/// destruction.
struct ManagedCopies {
  std::vector<void *> buffers;
  ~ManagedCopies() {
    for (void *buffer : buffers)
      cuda::freeManaged(buffer);
  }
  /// A copy of tensor's data; its own data when that is managed memory
  /// already (an output an earlier call handed over, see adoptOutput).
  void *copy(const tvq_tensor &tensor) {
    if (tensor.managed)
      return tensor.data;
    size_t bytes = tvq_tensor_num_bytes(&tensor);
    buffers.push_back(cuda::allocManaged(bytes));
    if (bytes)
      std::memcpy(buffers.back(), tensor.data, bytes);
    return buffers.back();
  }
};

/// Calls of CUDA modules take turns: the CUDA backend's recorded error is
/// one for the process.
std::mutex cudaCallMutex;

} // namespace

int tvq_call(const tvq_module *module, const char *entry_name,
             const tvq_tensor *const *inputs, int32_t num_inputs,
             tvq_tensor **outputs, int32_t num_outputs) {
  for (int32_t j = 0; outputs && j < num_outputs; ++j)
    outputs[j] = nullptr;
  if (!module) {
    setError("tvq_call: null module");
    return 1;
  }
  const tvq_entry *entry = tvq_module_find_entry(module, entry_name);
  if (!entry)
    return 1;
  const EntrySpec &spec = entry->spec;
  const std::string where = "entry '" + spec.name + "': ";
  if (module->inspectOnly) {
    setError(where + "module '" + module->path +
             "' was loaded for inspection (device \"inspect\"): load it for "
             "cpu or cuda to call its entries");
    return 1;
  }
  if (!outputs || num_outputs < 0 ||
      static_cast<size_t>(num_outputs) != spec.outputs.size()) {
    setError(where + "has " + std::to_string(spec.outputs.size()) +
             " outputs " + listNames(spec.outputs) + ", but room for " +
             std::to_string(outputs ? num_outputs : 0) + " was passed");
    return 1;
  }
  if (std::string error = validateInputs(spec, inputs, num_inputs);
      !error.empty()) {
    setError(where + error);
    return 1;
  }

  std::vector<Descriptor> inputDescriptors;
  std::vector<void *> args;
  for (size_t i = 0; i < spec.inputs.size(); ++i)
    inputDescriptors.push_back(inputDescriptor(*inputs[i], inputs[i]->data));
  for (Descriptor &descriptor : inputDescriptors)
    args.push_back(descriptor.data());

  int32_t failed = entry->check(args.data());
  if (failed != 0) {
    const char *message = tvq_entry_check(entry, failed);
    std::string inputsText = " (inputs: " + describeInputs(spec, inputs) + ")";
    if (message)
      setError(where + "check " + std::to_string(failed) +
               " failed: " + message + inputsText);
    else
      setError(where + "the check function returned " + std::to_string(failed) +
               ", but the manifest lists " +
               std::to_string(spec.checks.size()) + " checks" + inputsText);
    return 1;
  }

  // The buffers the entry holds at once for these inputs (the compiler's
  // estimate, tvq-emit-peak-bytes): refuse before allocating any of them
  // when they cannot fit. Checked from TVQ_LARGE_TENSOR_BYTES on, like
  // tensors: reading the available memory costs about 60 us, a third of a
  // decoding step.
  if (entry->peakBytes) {
    int64_t needed = entry->peakBytes(args.data());
    bool large = needed >= static_cast<int64_t>(TVQ_LARGE_TENSOR_BYTES);
    uint64_t available = large ? tvq_memory_available() : 0;
    if (large && static_cast<uint64_t>(needed) > available) {
      setError(where + "out of memory: for these inputs its buffers need " +
               std::to_string(needed) + " bytes at once, but only " +
               std::to_string(available) +
               " bytes of memory are available (inputs: " +
               describeInputs(spec, inputs) + ")");
      return 1;
    }
  }

  // A CUDA module runs on copies of the inputs in managed memory.
  const bool cuda = module->target == "cuda";
  std::unique_lock<std::mutex> cudaLock(cudaCallMutex, std::defer_lock);
  ManagedCopies copies;
  if (cuda) {
    cudaLock.lock();
    if (std::string error = cuda::beginCall(); !error.empty()) {
      setError(where + error);
      return 1;
    }
    for (size_t i = 0; i < spec.inputs.size(); ++i) {
      inputDescriptors[i] =
          inputDescriptor(*inputs[i], copies.copy(*inputs[i]));
      args[i] = inputDescriptors[i].data();
    }
  }

  // All output descriptors, one after another.
  std::vector<size_t> starts;
  size_t totalFields = 0;
  for (const ArgSpec &arg : spec.outputs) {
    starts.push_back(totalFields);
    totalFields += descriptorFields(arg.dims.size());
  }
  Descriptor results(totalFields, 0);
  args.push_back(results.data());
  entry->packed(args.data());

  // The CUDA module's work is done when the device is; its first error
  // fails the call.
  std::string error;
  if (cuda)
    if (std::string cudaError = cuda::endCall(); !cudaError.empty())
      error = where + cudaError;

  // The buffers the module did not allocate for this call's outputs: the
  // inputs and their copies (freed with `copies`).
  std::set<void *> released(copies.buffers.begin(), copies.buffers.end());
  for (const tvq_tensor *const *input = inputs; input != inputs + num_inputs;
       ++input)
    released.insert((*input)->data);

  // Take over (CUDA) or copy every output before freeing anything: outputs
  // may share buffers. A buffer taken over is not released below.
  const bool cudaFailed = !error.empty();
  for (size_t j = 0; j < spec.outputs.size() && !cudaFailed; ++j) {
    const int64_t *fields = results.data() + starts[j];
    if (cuda && adoptOutput(spec.outputs[j], fields, released, outputs[j])) {
      released.insert(outputs[j]->data);
      continue;
    }
    std::string outputError = copyOutput(spec.outputs[j], fields, outputs[j]);
    if (!outputError.empty() && error.empty())
      error = where + "output " + std::to_string(j) + " '" +
              spec.outputs[j].name + "': " + outputError;
  }

  // Release each distinct buffer the module allocated and no output took.
  for (size_t start : starts) {
    void *allocated = fieldToPointer(results[start]);
    if (allocated && released.insert(allocated).second) {
      if (cuda)
        cuda::freeManaged(allocated);
      else
        std::free(allocated);
    }
  }

  if (!error.empty()) {
    for (int32_t j = 0; j < num_outputs; ++j) {
      tvq_tensor_destroy(outputs[j]);
      outputs[j] = nullptr;
    }
    setError(std::move(error));
    return 1;
  }
  return 0;
}

tvq_tensor *tvq_tensor_copy_for_module(const tvq_module *module,
                                       const tvq_tensor *tensor) {
  if (!module || !tensor) {
    setError("tvq_tensor_copy_for_module: null module or tensor");
    return nullptr;
  }
  if (module->inspectOnly) {
    setError("module '" + module->path +
             "' was loaded for inspection (device \"inspect\"): it computes "
             "on no memory");
    return nullptr;
  }
  if (module->target != "cuda") {
    tvq_tensor *copy = createTensor(tensor->dtype, tensor->shape,
                                    /*zeroed=*/false);
    if (copy && tensor->numBytes)
      std::memcpy(copy->data, tensor->data, tensor->numBytes);
    return copy;
  }
  std::string error;
  if (!cuda::driver(&error)) {
    setError(error);
    return nullptr;
  }
  tvq_tensor *copy =
      managedTensor(tensor->dtype, tensor->shape, tensor->numBytes,
                    cuda::allocManaged(tensor->numBytes));
  if (tensor->numBytes)
    std::memcpy(copy->data, tensor->data, tensor->numBytes);
  return copy;
}
