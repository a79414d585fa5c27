//===- FuzzSupport.h - Helpers shared by the fuzz targets -------*- C++ -*-===//
//
// The runtime's readers take paths, so a fuzz input is handed to them as an
// in-memory file (memfd) opened through /proc/self/fd. A failed property
// check calls fuzzCheckFailed, which prints the message and aborts, so that
// libFuzzer records the input as a crash.
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_FUZZ_FUZZSUPPORT_H
#define TVQ_FUZZ_FUZZSUPPORT_H

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace tvq::fuzz {

[[noreturn]] inline void fuzzCheckFailed(const std::string &message) {
  std::fprintf(stderr, "fuzz property failed: %s\n", message.c_str());
  std::abort();
}

#define FUZZ_CHECK(condition, message)                                         \
  do {                                                                         \
    if (!(condition))                                                          \
      ::tvq::fuzz::fuzzCheckFailed(std::string(#condition ": ") + (message));  \
  } while (false)

/// An in-memory file holding some bytes, named by a path the runtime can
/// open, removed on destruction.
class MemFile {
public:
  MemFile(const void *data, size_t size) {
    fd = memfd_create("tvq-fuzz", MFD_CLOEXEC);
    if (fd < 0)
      fuzzCheckFailed("memfd_create failed");
    const char *bytes = static_cast<const char *>(data);
    while (size > 0) {
      ssize_t written = ::write(fd, bytes, size);
      if (written <= 0)
        fuzzCheckFailed("cannot write the memfd");
      bytes += written;
      size -= static_cast<size_t>(written);
    }
    path_ = "/proc/self/fd/" + std::to_string(fd);
  }
  /// An empty file, for writers.
  MemFile() : MemFile(nullptr, 0) {}
  ~MemFile() { ::close(fd); }
  MemFile(const MemFile &) = delete;
  MemFile &operator=(const MemFile &) = delete;

  const char *path() const { return path_.c_str(); }

private:
  int fd = -1;
  std::string path_;
};

} // namespace tvq::fuzz

#endif // TVQ_FUZZ_FUZZSUPPORT_H
