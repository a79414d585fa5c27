//===- fuzz_npy.cpp - Fuzzes the .npy reader ------------------------------===//
//
// Any bytes go to tvq_npy_read. A tensor it accepts must be consistent (its
// byte size is its element count times the element size) and must survive a
// write and a second read unchanged.
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

#include "tvq/tvq_runtime.h"

#include <cstring>

using namespace tvq::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  MemFile input(data, size);
  tvq_tensor *tensor = tvq_npy_read(input.path());
  if (!tensor) {
    FUZZ_CHECK(*tvq_last_error() != '\0', "a failed read sets the error");
    return 0;
  }
  int64_t count = 1;
  for (int32_t d = 0; d < tvq_tensor_rank(tensor); ++d)
    count *= tvq_tensor_shape(tensor)[d];
  FUZZ_CHECK(tvq_tensor_num_elements(tensor) == count, "element count");
  FUZZ_CHECK(tvq_tensor_num_bytes(tensor) ==
                 static_cast<size_t>(count) *
                     tvq_dtype_size(tvq_tensor_dtype(tensor)),
             "byte size");
  FUZZ_CHECK(tvq_tensor_num_bytes(tensor) <= size, "data within the file");

  MemFile output;
  FUZZ_CHECK(tvq_npy_write(output.path(), tensor) == 0, tvq_last_error());
  tvq_tensor *again = tvq_npy_read(output.path());
  FUZZ_CHECK(again, tvq_last_error());
  FUZZ_CHECK(tvq_tensor_dtype(again) == tvq_tensor_dtype(tensor) &&
                 tvq_tensor_rank(again) == tvq_tensor_rank(tensor),
             "round trip type");
  for (int32_t d = 0; d < tvq_tensor_rank(tensor); ++d)
    FUZZ_CHECK(tvq_tensor_shape(again)[d] == tvq_tensor_shape(tensor)[d],
               "round trip shape");
  FUZZ_CHECK(std::memcmp(tvq_tensor_data(again), tvq_tensor_data(tensor),
                         tvq_tensor_num_bytes(tensor)) == 0,
             "round trip data");
  tvq_tensor_destroy(again);
  tvq_tensor_destroy(tensor);
  return 0;
}
