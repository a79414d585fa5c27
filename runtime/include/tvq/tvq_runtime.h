//===- tvq_runtime.h - C API of the tvq runtime -------------------*- C -*-===//
//
// The runtime loads shared libraries produced by `tvq-compile` (see
// docs/abi.md), validates inputs against the module's manifest and calls its
// entry points, and reads and writes .npy files. It uses neither MLIR nor
// LLVM.
//
// Errors: functions that can fail return NULL (pointer results) or a nonzero
// int; the message is then available from tvq_last_error() on the same thread
// until the next failing call.
//
//===----------------------------------------------------------------------===//
#ifndef TVQ_TVQ_RUNTIME_H
#define TVQ_TVQ_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TVQ_API __attribute__((visibility("default")))

//===-- Element types -----------------------------------------------------===//

/// The element types of tensors, module inputs and module outputs.
typedef enum tvq_dtype {
  TVQ_F32 = 0,
  TVQ_F64 = 1,
  TVQ_I32 = 2,
  TVQ_I64 = 3,
} tvq_dtype;

/// The size of one element in bytes; 0 for an invalid dtype.
TVQ_API size_t tvq_dtype_size(tvq_dtype dtype);

/// The manifest spelling ("f32", "f64", "i32", "i64"); NULL when invalid.
TVQ_API const char *tvq_dtype_name(tvq_dtype dtype);

/// Writes a type such as "f32[?,3]" (a negative dim prints as `?`, rank 0 as
/// "i64[]") into buf, snprintf-style: at most size bytes including the NUL;
/// returns the length of the full text.
TVQ_API size_t tvq_format_type(tvq_dtype dtype, int32_t rank,
                               const int64_t *dims, char *buf, size_t size);

//===-- Errors ------------------------------------------------------------===//

/// The message of the last failed call on this thread, "" when none failed.
TVQ_API const char *tvq_last_error(void);

//===-- Tensors -----------------------------------------------------------===//

/// A dense row-major array that owns its data.
typedef struct tvq_tensor tvq_tensor;

/// Creates a zero-filled tensor; shape has rank entries (may be NULL for rank
/// 0). Fails on an invalid dtype, a negative rank or dim, or a size overflow.
TVQ_API tvq_tensor *tvq_tensor_create(tvq_dtype dtype, int32_t rank,
                                      const int64_t *shape);

/// Frees a tensor and its data; NULL is ignored.
TVQ_API void tvq_tensor_destroy(tvq_tensor *tensor);

TVQ_API tvq_dtype tvq_tensor_dtype(const tvq_tensor *tensor);
TVQ_API int32_t tvq_tensor_rank(const tvq_tensor *tensor);
/// The rank sizes; valid while the tensor lives (not dereferenceable for
/// rank 0).
TVQ_API const int64_t *tvq_tensor_shape(const tvq_tensor *tensor);
/// The number of elements (1 for rank 0).
TVQ_API int64_t tvq_tensor_num_elements(const tvq_tensor *tensor);
/// The size of the data in bytes.
TVQ_API size_t tvq_tensor_num_bytes(const tvq_tensor *tensor);
/// The dense row-major data, 64-byte aligned, never NULL.
TVQ_API void *tvq_tensor_data(const tvq_tensor *tensor);

//===-- .npy files --------------------------------------------------------===//

/// Reads a NumPy .npy file (format 1.0, 2.0 or 3.0) holding a C-order array
/// of dtype <f4, <f8, <i4 or <i8. Bytes after the data are ignored.
TVQ_API tvq_tensor *tvq_npy_read(const char *path);

/// Writes a tensor as a NumPy format 1.0 .npy file. Returns 0 on success.
TVQ_API int tvq_npy_write(const char *path, const tvq_tensor *tensor);

//===-- Modules -----------------------------------------------------------===//

/// A loaded compiled module.
typedef struct tvq_module tvq_module;
/// One entry point of a module; owned by its module.
typedef struct tvq_entry tvq_entry;

/// The declared type of an entry's input or output. Pointers stay valid while
/// the module is loaded.
typedef struct tvq_arg {
  const char *name;
  tvq_dtype dtype;
  int32_t rank;
  /// rank sizes; -1 marks a dynamic dimension.
  const int64_t *dims;
} tvq_arg;

/// Loads a module with dlopen and reads and checks its manifest and symbols.
TVQ_API tvq_module *tvq_module_load(const char *path);

/// Unloads a module; NULL is ignored. Its entries become invalid.
TVQ_API void tvq_module_unload(tvq_module *module);

/// The `target` line of the manifest (e.g. "cpu").
TVQ_API const char *tvq_module_target(const tvq_module *module);

TVQ_API int32_t tvq_module_num_entries(const tvq_module *module);

/// The entry at index (0-based, manifest order); NULL when out of range.
TVQ_API const tvq_entry *tvq_module_entry(const tvq_module *module,
                                          int32_t index);

/// The entry called name; NULL (with an error naming the entries) if none.
TVQ_API const tvq_entry *tvq_module_find_entry(const tvq_module *module,
                                               const char *name);

TVQ_API const char *tvq_entry_name(const tvq_entry *entry);
TVQ_API int32_t tvq_entry_num_inputs(const tvq_entry *entry);
TVQ_API int32_t tvq_entry_num_outputs(const tvq_entry *entry);

/// Input i / output j; an arg with a NULL name when the index is out of range.
TVQ_API tvq_arg tvq_entry_input(const tvq_entry *entry, int32_t i);
TVQ_API tvq_arg tvq_entry_output(const tvq_entry *entry, int32_t j);

TVQ_API int32_t tvq_entry_num_checks(const tvq_entry *entry);

/// The message of check n (1-based, as numbered in the manifest and returned
/// by the module's check function); NULL when out of range.
TVQ_API const char *tvq_entry_check(const tvq_entry *entry, int32_t n);

/// Calls entry `entry_name` of module. inputs holds num_inputs tensors in
/// signature order; they are validated against the manifest (count, dtype,
/// rank, static dims), then against the module's check function. On success
/// outputs[0..num_outputs) receive new tensors owned by the caller, and 0 is
/// returned; num_outputs must equal the entry's output count. On failure
/// outputs are left NULL. Inputs are passed to the module without a copy and
/// are not modified by a well-formed module.
TVQ_API int tvq_call(const tvq_module *module, const char *entry_name,
                     const tvq_tensor *const *inputs, int32_t num_inputs,
                     tvq_tensor **outputs, int32_t num_outputs);

//===-- Checkpoints: safetensors files ------------------------------------===//

/// The contents of a safetensors file: named tensors and a metadata map of
/// strings.
typedef struct tvq_safetensors tvq_safetensors;

/// Flags of tvq_safetensors_read.
enum {
  /// Fail when the file has no "tvq.crc32c" checksum (use it for tvq's own
  /// checkpoints; leave it off to import files from other writers).
  TVQ_SAFETENSORS_REQUIRE_CHECKSUM = 1,
};

/// Writes a safetensors file: num_tensors tensors under names (non-empty,
/// distinct, valid UTF-8, not "__metadata__") and num_metadata string pairs
/// (distinct keys, valid UTF-8; "tvq.crc32c" is reserved) in "__metadata__".
/// The writer adds "tvq.crc32c", a CRC-32C of the whole file (see
/// docs/design.md), and replaces path atomically: a temporary file in the
/// same directory is written, flushed to disk and renamed over path, and the
/// directory is flushed; a failed write leaves any old file untouched.
/// Tensor dtypes are stored as F32, F64, I32, I64. Returns 0 on success.
TVQ_API int tvq_safetensors_write(const char *path, const char *const *names,
                                  const tvq_tensor *const *tensors,
                                  int32_t num_tensors,
                                  const char *const *metadata_keys,
                                  const char *const *metadata_values,
                                  int32_t num_metadata);

/// Reads and validates a safetensors file: header length against the file
/// size, strict JSON, dtype names, each tensor's shape x dtype size against
/// its data_offsets, the tensors covering the data section exactly, and the
/// "tvq.crc32c" checksum when present (required with
/// TVQ_SAFETENSORS_REQUIRE_CHECKSUM). F32, F64, I32 and I64 tensors keep
/// their type; F16 and BF16 are widened to f32. Errors name the file and the
/// problem.
TVQ_API tvq_safetensors *tvq_safetensors_read(const char *path, int flags);

/// Frees the contents, tensors included; NULL is ignored.
TVQ_API void tvq_safetensors_destroy(tvq_safetensors *file);

/// The tensors, sorted by name.
TVQ_API int32_t tvq_safetensors_num_tensors(const tvq_safetensors *file);
/// The name of tensor i; NULL when out of range.
TVQ_API const char *tvq_safetensors_tensor_name(const tvq_safetensors *file,
                                                int32_t i);
/// Tensor i, owned by file; NULL when out of range.
TVQ_API const tvq_tensor *tvq_safetensors_tensor(const tvq_safetensors *file,
                                                 int32_t i);
/// The tensor called name; NULL (with an error naming the file) if none.
TVQ_API const tvq_tensor *tvq_safetensors_find(const tvq_safetensors *file,
                                               const char *name);

/// The metadata pairs, sorted by key ("tvq.crc32c" included when present).
TVQ_API int32_t tvq_safetensors_num_metadata(const tvq_safetensors *file);
/// Key or value of metadata pair i; NULL when out of range.
TVQ_API const char *tvq_safetensors_metadata_key(const tvq_safetensors *file,
                                                 int32_t i);
TVQ_API const char *tvq_safetensors_metadata_value(const tvq_safetensors *file,
                                                   int32_t i);
/// The value of metadata key; NULL (with an error naming the file) if none.
TVQ_API const char *tvq_safetensors_metadata(const tvq_safetensors *file,
                                             const char *key);

#ifdef __cplusplus
} // extern "C"
#endif

#endif // TVQ_TVQ_RUNTIME_H
