//===- AtomicFile.cpp - Replacing a file atomically -----------------------===//

#include "AtomicFile.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace tvq;

/// "what: <strerror(errno)>".
static std::string systemError(const std::string &what) {
  return what + ": " + std::strerror(errno);
}

AtomicFile::~AtomicFile() {
  if (fd >= 0)
    ::close(fd);
  if (!tempPath.empty())
    ::unlink(tempPath.c_str());
}

std::string AtomicFile::open(const std::string &targetPath) {
  path = targetPath;
  std::string pattern = path + ".tmp.XXXXXX";
  fd = ::mkostemp(pattern.data(), O_CLOEXEC);
  if (fd < 0)
    return systemError("cannot create a temporary file '" + pattern + "'");
  tempPath = pattern;
  if (::fchmod(fd, 0644) != 0)
    return systemError("cannot set the mode of '" + tempPath + "'");
  return "";
}

std::string AtomicFile::write(const void *data, size_t size) {
  const char *bytes = static_cast<const char *>(data);
  while (size > 0) {
    ssize_t written = ::write(fd, bytes, size);
    if (written < 0) {
      if (errno == EINTR)
        continue;
      return systemError("cannot write '" + tempPath + "'");
    }
    bytes += written;
    size -= static_cast<size_t>(written);
  }
  return "";
}

std::string AtomicFile::commit() {
  if (::fsync(fd) != 0)
    return systemError("cannot flush '" + tempPath + "' to disk");
  int result = ::close(fd);
  fd = -1;
  if (result != 0)
    return systemError("cannot close '" + tempPath + "'");
  if (::rename(tempPath.c_str(), path.c_str()) != 0)
    return systemError("cannot rename '" + tempPath + "' to the target");
  tempPath.clear();

  size_t slash = path.rfind('/');
  std::string directory = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  int dirFd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirFd < 0)
    return systemError("cannot open the directory '" + directory + "'");
  // Some file systems cannot fsync a directory (EINVAL); the rename is then
  // as durable as they make it.
  result = ::fsync(dirFd);
  int fsyncErrno = errno;
  ::close(dirFd);
  if (result != 0 && fsyncErrno != EINVAL) {
    errno = fsyncErrno;
    return systemError("cannot flush the directory '" + directory + "'");
  }
  return "";
}
