//===- AtomicFile.h - Replacing a file atomically ---------------*- C++ -*-===//

#ifndef TVQ_RUNTIME_ATOMICFILE_H
#define TVQ_RUNTIME_ATOMICFILE_H

#include <cstddef>
#include <string>

namespace tvq {

/// Writes a file so that a reader (or a crash) sees either the old file or
/// the whole new one, never a part: the bytes go to a temporary file
/// "PATH.tmp.PID.XXXXXX" in the same directory, which is fsync'ed, renamed
/// over PATH, and the directory fsync'ed. Destroying an uncommitted
/// AtomicFile removes the temporary file; open() also removes the temporary
/// files of PATH left by processes that no longer run (killed mid-write).
/// Errors are messages without PATH.
class AtomicFile {
public:
  AtomicFile() = default;
  AtomicFile(const AtomicFile &) = delete;
  AtomicFile &operator=(const AtomicFile &) = delete;
  ~AtomicFile();

  /// Creates the temporary file for path (mode 0644).
  std::string open(const std::string &path);
  /// Appends size bytes.
  std::string write(const void *data, size_t size);
  /// Flushes the data to disk, renames the file to its path and flushes the
  /// directory.
  std::string commit();

private:
  std::string path, tempPath;
  int fd = -1;
};

} // namespace tvq

#endif // TVQ_RUNTIME_ATOMICFILE_H
