//===- tvq_runtime.h - C API of the tvq runtime -------------------*- C -*-===//
//
// The runtime loads shared libraries produced by `tvq-compile` (see
// docs/abi.md), validates inputs against the module's manifest and calls its
// entry points, and reads and writes .npy files. For training, evaluation and
// generation it also writes and reads safetensors checkpoints, loads data
// files and serves deterministic batches, samples tokens with a seeded
// generator, and writes metrics and progress lines. It uses neither MLIR nor
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

/// The enums below have int as their underlying type in C++ (and are
/// int-sized in C), so that every int a C caller may pass, an invalid one
/// included (which the functions reject), is a value of the type.
#ifdef __cplusplus
#define TVQ_INT_ENUM : int
#else
#define TVQ_INT_ENUM
#endif

//===-- Element types -----------------------------------------------------===//

/// The element types of tensors, module inputs and module outputs.
typedef enum tvq_dtype TVQ_INT_ENUM {
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
/// 0). Fails on an invalid dtype, a negative rank or dim, a size overflow, or
/// a size over tvq_memory_available (checked from TVQ_LARGE_TENSOR_BYTES on).
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

//===-- Memory ------------------------------------------------------------===//

/// The bytes of memory this process can still allocate: the environment
/// variable TVQ_MEMORY_LIMIT when it is set to a byte count, else the least of
/// the system's available memory (MemAvailable of /proc/meminfo), what the
/// process's RLIMIT_AS and RLIMIT_DATA leave, and what its cgroup's memory
/// limit leaves. Tensors of TVQ_LARGE_TENSOR_BYTES or more are checked
/// against it before they are allocated (tvq_tensor_create, the readers,
/// tvq_call's outputs), and tvq-run checks whole training states.
TVQ_API uint64_t tvq_memory_available(void);

/// Tensors at least this large are checked against tvq_memory_available.
#define TVQ_LARGE_TENSOR_BYTES ((size_t)64 << 20)

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
/// A module whose manifest says `target cuda` also initializes the CUDA
/// driver (libcuda.so.1, or the library named by the environment variable
/// TVQ_CUDA_DRIVER): cuInit, device 0, its primary context; without a driver
/// or a device the load fails and says why. Nothing CUDA is touched for other
/// targets.
TVQ_API tvq_module *tvq_module_load(const char *path);

/// tvq_module_load for a device, "cpu" or "cuda" (NULL or "": the module's
/// target): fails, before touching the device, when the module's target is
/// another. "inspect" reads the manifest and symbols of a module of any
/// target without preparing a device (no CUDA driver needed); its entries
/// can be listed but not called.
TVQ_API tvq_module *tvq_module_load_device(const char *path,
                                           const char *device);

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

/// Called by a module while an entry runs, as soon as output `index` of the
/// entry holds its final value (announcements the compiler placed: the
/// gradients of a `train_grads` entry, after the op that finishes each).
/// data[0..bytes) is that output's contents, dense and in row-major order;
/// it stays valid until the hook returns, so a hook copies what it keeps.
/// It runs on the thread that called tvq_call, between the module's parallel
/// regions.
typedef void (*tvq_output_hook)(void *context, int64_t index, const void *data,
                                int64_t bytes);

/// Installs hook (NULL removes it) with its context for the calls of
/// module's entries that follow. Returns 0; or 1, with an error, when the
/// module announces no outputs (it was compiled without announcements).
TVQ_API int tvq_module_set_output_hook(tvq_module *module, tvq_output_hook hook,
                                       void *context);

/// Calls entry `entry_name` of module. inputs holds num_inputs tensors in
/// signature order; they are validated against the manifest (count, dtype,
/// rank, static dims), then against the module's check function. On success
/// outputs[0..num_outputs) receive new tensors owned by the caller, and 0 is
/// returned; num_outputs must equal the entry's output count. On failure
/// outputs are left NULL. Inputs are passed to a CPU module without a copy and
/// are not modified by a well-formed module. For a CUDA module the inputs
/// are first copied into CUDA managed memory (except those whose data is
/// managed memory already: see tvq_tensor_copy_for_module), the call waits
/// for the device (cuCtxSynchronize) before the outputs are read, and a CUDA
/// error recorded during the call (the first one) makes it fail with that
/// error. A CUDA module's output usually stays in managed memory, as the
/// tensor's data (readable on the host like any other), so it goes into the
/// next call without a copy.
TVQ_API int tvq_call(const tvq_module *module, const char *entry_name,
                     const tvq_tensor *const *inputs, int32_t num_inputs,
                     tvq_tensor **outputs, int32_t num_outputs);

/// A copy of tensor in the memory module computes on, so that tvq_call does
/// not copy it again on every call: CUDA managed memory for a `target cuda`
/// module (pages move to the GPU at first use), a plain copy for other
/// targets. NULL, with an error, on failure (a module loaded for
/// inspection).
TVQ_API tvq_tensor *tvq_tensor_copy_for_module(const tvq_module *module,
                                               const tvq_tensor *tensor);

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

//===-- Random numbers and sampling ---------------------------------------===//

/// A counter-based random number generator. Value i of the sequence for key
/// is word i % 4 of Philox4x64-10 applied to the counter (i / 4, 0, 0, 0)
/// under the key (key, 0): integer arithmetic only, so every machine draws the
/// same values, and the same as numpy.random.Philox(key=key) (whose first
/// value is block 1, i.e. this generator's value 4). The whole state is these
/// two numbers: store them (e.g. in checkpoint metadata, see tvq_rng_format)
/// to continue the sequence exactly.
typedef struct tvq_rng {
  uint64_t key;
  /// The index of the next value.
  uint64_t counter;
} tvq_rng;

/// The generator for seed: {seed, 0}.
TVQ_API tvq_rng tvq_rng_create(uint64_t seed);

/// The next value of the sequence; advances the counter by one.
TVQ_API uint64_t tvq_rng_next_u64(tvq_rng *rng);

/// A uniform double in [0, 1) from the top 53 bits of the next value.
TVQ_API double tvq_rng_next_double(tvq_rng *rng);

/// Writes the state as "KEY:COUNTER" (16 lowercase hex digits each) into
/// buf, snprintf-style; returns the length of the full text (33).
TVQ_API size_t tvq_rng_format(const tvq_rng *rng, char *buf, size_t size);

/// Parses the text of tvq_rng_format into rng. Returns 0 on success.
TVQ_API int tvq_rng_parse(const char *text, tvq_rng *rng);

/// Samples a token from logits[0..vocab_size) by nucleus (top-p) sampling at
/// a temperature: p = softmax(logits / temperature); the tokens are ordered
/// by decreasing p (lower index first on ties) and the shortest prefix whose
/// mass reaches top_p is kept (the argmax always is); one token is drawn from
/// the kept ones in proportion to p. temperature 0 or top_p 0 is greedy
/// (the argmax, lowest index on ties); top_p 1 is plain softmax sampling.
/// Every call uses exactly one value of rng. Logits may be -inf (never
/// sampled) but not NaN or +inf. Returns the token, or -1 on an error.
TVQ_API int32_t tvq_sample_top_p(const float *logits, int32_t vocab_size,
                                 float temperature, float top_p, tvq_rng *rng);

//===-- Data --------------------------------------------------------------===//

/// The special token ids; bytes and subpixels are offset by TVQ_BYTE_OFFSET.
enum {
  TVQ_TOKEN_PAD = 0,
  TVQ_TOKEN_EOS = 1,
  TVQ_TOKEN_UNK = 2,
  TVQ_BYTE_OFFSET = 3,
};

/// The kinds of data files (see docs/design.md for the formats).
typedef enum tvq_data_format TVQ_INT_ENUM {
  /// Any file of bytes (e.g. enwik8); byte b is token b + 3.
  TVQ_DATA_BYTES = 0,
  /// A .npy file holding a 1-D int32 ('<i4') or uint16 ('<u2') array of
  /// token ids, used as they are (documents concatenated).
  TVQ_DATA_TOKENS = 1,
  /// A .npy file holding a uint8 ('|u1') array [N, 64, 64, 3] of images;
  /// each is 12288 tokens in raster order, subpixel v being token v + 3.
  TVQ_DATA_IMAGES = 2,
} tvq_data_format;

/// The part of a file to use. With n bytes, tokens or images, train is
/// [0, floor(0.9 n)), valid [floor(0.9 n), floor(0.95 n)) and test the rest:
/// enwik8's 100M bytes give exactly 90M / 5M / 5M.
typedef enum tvq_split TVQ_INT_ENUM {
  TVQ_SPLIT_ALL = 0,
  TVQ_SPLIT_TRAIN = 1,
  TVQ_SPLIT_VALID = 2,
  TVQ_SPLIT_TEST = 3,
} tvq_split;

/// One split of a data file, held in memory as a stream of token ids.
typedef struct tvq_dataset tvq_dataset;

/// Opens and reads the split of a data file.
TVQ_API tvq_dataset *tvq_dataset_open(const char *path, tvq_data_format format,
                                      tvq_split split);

/// Frees a dataset; NULL is ignored.
TVQ_API void tvq_dataset_close(tvq_dataset *dataset);

/// The number of tokens of the split.
TVQ_API int64_t tvq_dataset_num_tokens(const tvq_dataset *dataset);

/// The vocabulary the ids need: 259 for bytes and images, the largest id
/// plus one for token files (at least 3).
TVQ_API int32_t tvq_dataset_vocab_size(const tvq_dataset *dataset);

/// E.g. "'enwik8' train split (bytes [0, 90000000) of 100000000)".
TVQ_API const char *tvq_dataset_describe(const tvq_dataset *dataset);

/// Copies tokens [offset, offset + count) into out (which may be NULL when
/// count is 0). Returns 0 on success.
TVQ_API int tvq_dataset_read(const tvq_dataset *dataset, int64_t offset,
                             int64_t count, int32_t *out);

/// Cuts a dataset into rows and serves them as batches.
typedef struct tvq_batcher tvq_batcher;

/// A batcher of batch_size rows of seq_len tokens. The dataset's n tokens
/// are cut into W = floor(n / seq_len) windows [w * seq_len, (w + 1) *
/// seq_len) (the last n mod seq_len tokens are never used). Global row
/// g = step * batch_size + r (r the row within the batch) is window
/// perm_e(g mod W) in epoch e = g div W, where perm_e is a Fisher-Yates
/// shuffle of 0..W-1 drawn from Philox4x64-10 under key seed with the counter
/// (i / 4, e, 1, 0), or the identity when shuffle is 0. A batch thus depends
/// only on the data, the sizes, seed, shuffle and step: a run resumed at a
/// step sees exactly the batches it would have seen. Fails when the dataset
/// has fewer than batch_size * seq_len tokens. The dataset must outlive the
/// batcher; a batcher is not thread-safe.
TVQ_API tvq_batcher *tvq_batcher_create(const tvq_dataset *dataset,
                                        int32_t batch_size, int32_t seq_len,
                                        uint64_t seed, int shuffle);

/// Frees a batcher; NULL is ignored.
TVQ_API void tvq_batcher_destroy(tvq_batcher *batcher);

/// W, the rows of one epoch.
TVQ_API int64_t tvq_batcher_windows_per_epoch(const tvq_batcher *batcher);

/// The window that row r of step serves; -1 on invalid arguments.
TVQ_API int64_t tvq_batcher_window(tvq_batcher *batcher, int64_t step,
                                   int32_t row);

/// The batch of step (0-based) as two new int32 [batch_size, seq_len]
/// tensors owned by the caller: targets holds each row's window and inputs
/// the same shifted right by one with EOS first (inputs = [eos] + row[:-1],
/// targets = row). Returns 0 on success.
TVQ_API int tvq_batcher_batch(tvq_batcher *batcher, int64_t step,
                              tvq_tensor **inputs, tvq_tensor **targets);

//===-- Metrics and progress ----------------------------------------------===//

/// An open RUNDIR/metrics.jsonl, appended one JSON object per line.
typedef struct tvq_metrics tvq_metrics;

/// One field of a metrics line: a string when string is non-NULL, else the
/// number (NaN and infinities are written as null).
typedef struct tvq_metric_field {
  const char *key;
  const char *string;
  double number;
} tvq_metric_field;

/// Opens run_dir/metrics.jsonl for appending, creating run_dir (and its
/// parents) and the file when missing. A last line that is not a whole JSON
/// object (left by a process killed mid-write) is removed.
TVQ_API tvq_metrics *tvq_metrics_open(const char *run_dir);

/// Closes the file; NULL is ignored.
TVQ_API void tvq_metrics_close(tvq_metrics *metrics);

/// Appends {"key": value, ...} (keys distinct, in the given order) as one
/// line with a single write, so that the line is complete in the file when
/// the call returns. A failed write (e.g. a full disk) leaves no partial
/// line. Returns 0 on success.
TVQ_API int tvq_metrics_append(tvq_metrics *metrics,
                               const tvq_metric_field *fields,
                               int32_t num_fields);

/// Bits per byte of a loss in nats per token of a byte-level model:
/// loss / ln 2.
TVQ_API double tvq_bits_per_byte(double loss_nats);

/// The state of a run for its progress line.
typedef struct tvq_progress {
  /// Steps done so far, and the total (0 when unknown: no total, no ETA).
  int64_t step, total_steps;
  /// The step the run (re)started from and the seconds since then, for the
  /// ETA: elapsed_s * (total_steps - step) / (step - start_step).
  int64_t start_step;
  double elapsed_s;
  /// Shown when finite (pass NAN to leave them out).
  double loss, bits_per_byte, tokens_per_s;
} tvq_progress;

/// Writes a line such as "step 1200/125000  loss 1.2346  bpb 1.7811
/// 52.3k tok/s  ETA 3h12m" into buf, snprintf-style; returns the length of
/// the full text.
TVQ_API size_t tvq_progress_format(const tvq_progress *progress, char *buf,
                                   size_t size);

/// Prints the progress line to fd: on a terminal it rewrites the current line
/// ('\r', the line, erase to the end of the line; a newline after it when
/// done is nonzero); otherwise it prints the line and a newline. Returns 0 on
/// success.
TVQ_API int tvq_progress_print(int fd, const tvq_progress *progress, int done);

#ifdef __cplusplus
} // extern "C"
#endif

#endif // TVQ_TVQ_RUNTIME_H
