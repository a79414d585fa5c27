//===- NpyTest.cpp - Tests of .npy reading and writing --------------------===//

#include "TestSupport.h"

#include <cstring>

using namespace tvq::test;

namespace {

/// The header dict NumPy writes for a C-order array.
std::string numpyDict(const std::string &descr, const std::string &shape) {
  return "{'descr': '" + descr +
         "', 'fortran_order': False, 'shape': " + shape + ", }";
}

/// A .npy file laid out exactly as NumPy's format.py writes it: the magic,
/// the version, the header length (2 bytes for 1.0, 4 for 2.0 and 3.0), and
/// the dict padded with spaces and a newline so that the data starts at a
/// multiple of 64 bytes.
std::string npyBytes(int major, const std::string &dict,
                     const std::string &data) {
  size_t lengthSize = major == 1 ? 2 : 4;
  size_t unpadded = 8 + lengthSize + dict.size() + 1;
  std::string header =
      dict + std::string((64 - unpadded % 64) % 64, ' ') + "\n";
  std::string bytes = "\x93NUMPY";
  bytes += static_cast<char>(major);
  bytes += '\0';
  for (size_t i = 0; i < lengthSize; ++i)
    bytes += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return bytes + header + data;
}

/// Writes bytes to a file and expects tvq_npy_read to fail with a message
/// that names the file and contains problem.
void expectReadError(const std::string &bytes, const std::string &problem) {
  TempDir dir;
  std::string path = dir.path("bad.npy");
  writeFile(path, bytes);
  TensorPtr tensor(tvq_npy_read(path.c_str()));
  EXPECT_FALSE(tensor) << "reading should fail with: " << problem;
  std::string message = tvq_last_error();
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find(problem), std::string::npos)
      << "message: " << message << "\nexpected to contain: " << problem;
}

template <typename T> void roundTripAllRanks() {
  const std::vector<std::vector<int64_t>> shapes = {
      {}, {5}, {2, 3}, {2, 3, 4}, {2, 1, 3, 2}, {3, 0}};
  TempDir dir;
  for (const std::vector<int64_t> &shape : shapes) {
    int64_t count = 1;
    for (int64_t dim : shape)
      count *= dim;
    std::vector<T> values;
    for (int64_t i = 0; i < count; ++i)
      values.push_back(static_cast<T>(i * 3 - 7) / static_cast<T>(2));
    TensorPtr tensor = makeTensor<T>(shape, values);
    std::string path = dir.path("t.npy");
    ASSERT_EQ(tvq_npy_write(path.c_str(), tensor.get()), 0) << tvq_last_error();

    // The data starts at a multiple of 64, after a version 1.0 header.
    std::string bytes = readFile(path);
    ASSERT_GE(bytes.size(), 10u);
    EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
    size_t headerLength = static_cast<unsigned char>(bytes[8]) |
                          static_cast<unsigned char>(bytes[9]) << 8;
    EXPECT_EQ((10 + headerLength) % 64, 0u);
    EXPECT_EQ(bytes.size(), 10 + headerLength + count * sizeof(T));

    TensorPtr read(tvq_npy_read(path.c_str()));
    ASSERT_TRUE(read) << tvq_last_error();
    EXPECT_EQ(tvq_tensor_dtype(read.get()), dtypeOf<T>());
    EXPECT_EQ(shapeOf(read.get()), shape);
    EXPECT_EQ(valuesOf<T>(read.get()), values);
  }
}

TEST(NpyTest, RoundTripF32) { roundTripAllRanks<float>(); }
TEST(NpyTest, RoundTripF64) { roundTripAllRanks<double>(); }
TEST(NpyTest, RoundTripI32) { roundTripAllRanks<int32_t>(); }
TEST(NpyTest, RoundTripI64) { roundTripAllRanks<int64_t>(); }

TEST(NpyTest, WritesNumpyHeaderText) {
  TempDir dir;
  std::string path = dir.path("t.npy");
  TensorPtr tensor = makeTensor<int32_t>({3}, {0, 1, 2});
  ASSERT_EQ(tvq_npy_write(path.c_str(), tensor.get()), 0);
  std::string bytes = readFile(path);
  EXPECT_EQ(bytes.substr(0, 10), std::string("\x93NUMPY\x01\x00\x76\x00", 10));
  EXPECT_EQ(bytes.substr(10, 118),
            "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }" +
                std::string(60, ' ') + "\n");
}

TEST(NpyTest, HelperMatchesNumpyBytes) {
  // np.save of np.arange(3, dtype=np.int32) with NumPy 2.x, which also pads
  // the header with spare space for growing the first dimension.
  std::string numpy =
      std::string("\x93NUMPY\x01\x00\x76\x00", 10) +
      "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }" +
      std::string(60, ' ') + "\n" + std::string("\0\0\0\0\1\0\0\0\2\0\0\0", 12);
  // NumPy's growth padding ends on the same 64-byte boundary here.
  EXPECT_EQ(npyBytes(1, numpyDict("<i4", "(3,)"), rawBytes<int32_t>({0, 1, 2})),
            numpy);
  TempDir dir;
  writeFile(dir.path("a.npy"), numpy);
  TensorPtr tensor(tvq_npy_read(dir.path("a.npy").c_str()));
  ASSERT_TRUE(tensor) << tvq_last_error();
  EXPECT_EQ(shapeOf(tensor.get()), std::vector<int64_t>{3});
  EXPECT_EQ(valuesOf<int32_t>(tensor.get()), (std::vector<int32_t>{0, 1, 2}));
}

TEST(NpyTest, ReadsVersion2And3Headers) {
  TempDir dir;
  std::vector<double> values = {0.0, 1.0, 2.0};
  for (int major : {2, 3}) {
    std::string path = dir.path("v" + std::to_string(major) + ".npy");
    std::string bytes =
        npyBytes(major, numpyDict("<f8", "(3,)"), rawBytes(values));
    EXPECT_EQ(bytes[6], major);
    EXPECT_EQ(bytes.find('{'), 12u); // 4-byte header length.
    writeFile(path, bytes);
    TensorPtr tensor(tvq_npy_read(path.c_str()));
    ASSERT_TRUE(tensor) << tvq_last_error();
    EXPECT_EQ(shapeOf(tensor.get()), std::vector<int64_t>{3});
    EXPECT_EQ(valuesOf<double>(tensor.get()), values);
  }
}

TEST(NpyTest, ReadsScalar) {
  TempDir dir;
  std::string path = dir.path("s.npy");
  writeFile(path, npyBytes(1, numpyDict("<i8", "()"), rawBytes<int64_t>({5})));
  TensorPtr tensor(tvq_npy_read(path.c_str()));
  ASSERT_TRUE(tensor) << tvq_last_error();
  EXPECT_EQ(tvq_tensor_rank(tensor.get()), 0);
  EXPECT_EQ(valuesOf<int64_t>(tensor.get()), std::vector<int64_t>{5});
}

TEST(NpyTest, AcceptsNativeAndNotApplicableByteOrder) {
  TempDir dir;
  std::string path = dir.path("t.npy");
  for (const char *descr : {"=f4", "|f4", "f4"}) {
    writeFile(path, npyBytes(1, numpyDict(descr, "(2,)"),
                             rawBytes<float>({1.5f, -2.0f})));
    TensorPtr tensor(tvq_npy_read(path.c_str()));
    ASSERT_TRUE(tensor) << descr << ": " << tvq_last_error();
    EXPECT_EQ(valuesOf<float>(tensor.get()), (std::vector<float>{1.5f, -2.0f}));
  }
}

TEST(NpyTest, AcceptsOtherKeyOrderQuotesAndPython2Longs) {
  TempDir dir;
  std::string path = dir.path("t.npy");
  writeFile(path, npyBytes(1,
                           "{\"shape\": (2L, 1L), 'fortran_order': False, "
                           "'descr': '<i4'}",
                           rawBytes<int32_t>({7, 8})));
  TensorPtr tensor(tvq_npy_read(path.c_str()));
  ASSERT_TRUE(tensor) << tvq_last_error();
  EXPECT_EQ(shapeOf(tensor.get()), (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(valuesOf<int32_t>(tensor.get()), (std::vector<int32_t>{7, 8}));
}

TEST(NpyTest, IgnoresBytesAfterTheData) {
  TempDir dir;
  std::string path = dir.path("t.npy");
  writeFile(path,
            npyBytes(1, numpyDict("<i4", "(1,)"), rawBytes<int32_t>({9})) +
                "trailing");
  TensorPtr tensor(tvq_npy_read(path.c_str()));
  ASSERT_TRUE(tensor) << tvq_last_error();
  EXPECT_EQ(valuesOf<int32_t>(tensor.get()), std::vector<int32_t>{9});
}

TEST(NpyTest, MissingFile) {
  TensorPtr tensor(tvq_npy_read("/nonexistent/dir/x.npy"));
  EXPECT_FALSE(tensor);
  EXPECT_STREQ(tvq_last_error(), "cannot open '/nonexistent/dir/x.npy': No "
                                 "such file or directory");
}

TEST(NpyTest, BadMagic) {
  expectReadError("PK\x03\x04 this is a zip file", "bad magic");
  expectReadError("\x93NUM", "bad magic");
  expectReadError("", "bad magic");
}

TEST(NpyTest, TruncatedHeader) {
  std::string good =
      npyBytes(1, numpyDict("<f4", "(2,)"), rawBytes<float>({1, 2}));
  expectReadError(good.substr(0, 7), "truncated header");
  expectReadError(good.substr(0, 9), "truncated header");
  expectReadError(good.substr(0, 40), "truncated header");
}

TEST(NpyTest, TruncatedData) {
  std::string good = npyBytes(1, numpyDict("<f4", "(2, 3)"),
                              rawBytes<float>({1, 2, 3, 4, 5, 6}));
  expectReadError(good.substr(0, good.size() - 1),
                  "truncated data (expected 24 bytes of data for f32[2,3], "
                  "found 23)");
}

TEST(NpyTest, HugeShapeInASmallFile) {
  // 4 TB of data claimed: must be reported, not allocated.
  expectReadError(
      npyBytes(1, numpyDict("<f4", "(1000000, 1000000)"), std::string(8, 0)),
      "truncated data (expected 4000000000000 bytes");
}

TEST(NpyTest, Directory) {
  TempDir dir;
  TensorPtr tensor(tvq_npy_read(dir.path("").c_str()));
  EXPECT_FALSE(tensor);
  EXPECT_NE(std::string(tvq_last_error()).find("it is a directory"),
            std::string::npos)
      << tvq_last_error();
}

TEST(NpyTest, UnsupportedVersion) {
  std::string bytes =
      npyBytes(1, numpyDict("<f4", "(1,)"), rawBytes<float>({1}));
  bytes[6] = 4;
  expectReadError(bytes, "unsupported .npy format version 4.0");
}

TEST(NpyTest, FortranOrder) {
  expectReadError(npyBytes(1,
                           "{'descr': '<f4', 'fortran_order': True, "
                           "'shape': (2, 2), }",
                           rawBytes<float>({1, 2, 3, 4})),
                  "fortran_order arrays are not supported");
}

TEST(NpyTest, UnsupportedDtypes) {
  for (const char *descr : {"|b1", "<f2", "<u8", "|u1", "<c8", "<U3", "|O"})
    expectReadError(npyBytes(1, numpyDict(descr, "(1,)"), std::string(16, 0)),
                    std::string("unsupported dtype '") + descr + "'");
  expectReadError(npyBytes(1, numpyDict(">f4", "(1,)"), std::string(4, 0)),
                  "unsupported dtype '>f4': big-endian");
  expectReadError(npyBytes(1,
                           "{'descr': [('a', '<f4')], 'fortran_order': False, "
                           "'shape': (1,), }",
                           std::string(4, 0)),
                  "unsupported dtype: structured arrays");
}

TEST(NpyTest, BadShape) {
  for (const char *shape :
       {"(2, -3)", "(2, x)", "[2, 3]", "(2.5,)", "(2 3)", "(,)", "2"})
    expectReadError(npyBytes(1, numpyDict("<f4", shape), std::string(64, 0)),
                    "bad 'shape'");
  expectReadError(npyBytes(1, numpyDict("<f4", "(99999999999, 99999999999)"),
                           std::string(4, 0)),
                  "is too large");
}

TEST(NpyTest, HeaderNotADict) {
  expectReadError(npyBytes(1, "['descr', '<f4']", ""), "header is not a dict");
  expectReadError(npyBytes(1, "{'descr' '<f4'}", ""), "header is not a dict");
  expectReadError(npyBytes(1, numpyDict("<f4", "(1,)") + " extra", ""),
                  "unexpected text after the header dict");
}

TEST(NpyTest, HeaderKeys) {
  expectReadError(npyBytes(1, "{'descr': '<f4', 'shape': (1,), }", ""),
                  "header has no 'fortran_order' key");
  expectReadError(npyBytes(1,
                           "{'descr': '<f4', 'fortran_order': False, "
                           "'shape': (1,), 'extra': 1, }",
                           ""),
                  "unexpected key 'extra'");
  expectReadError(npyBytes(1,
                           "{'descr': '<f4', 'descr': '<f4', "
                           "'fortran_order': False, 'shape': (1,), }",
                           ""),
                  "repeats the key 'descr'");
  expectReadError(npyBytes(1,
                           "{'descr': '<f4', 'fortran_order': 0, "
                           "'shape': (1,), }",
                           ""),
                  "bad 'fortran_order'");
}

TEST(NpyTest, WriteToMissingDirectory) {
  TensorPtr tensor = makeTensor<float>({1}, {1.0f});
  EXPECT_NE(tvq_npy_write("/nonexistent/dir/out.npy", tensor.get()), 0);
  EXPECT_NE(std::string(tvq_last_error())
                .find("cannot open '/nonexistent/dir/out.npy' for writing"),
            std::string::npos)
      << tvq_last_error();
}

} // namespace
