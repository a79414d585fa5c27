//===- AtomicFile.cpp - Replacing a file atomically -----------------------===//

#include "AtomicFile.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
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

/// The directory part of path.
static std::string directoryOf(const std::string &path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "."
         : slash == 0               ? "/"
                                    : path.substr(0, slash);
}

/// Removes the temporary files "PATH.tmp.PID.XXXXXX" whose process is gone;
/// a file of a running process (or one we cannot tell) is left alone.
static void removeStaleTemporaries(const std::string &path) {
  size_t slash = path.rfind('/');
  std::string prefix =
      (slash == std::string::npos ? path : path.substr(slash + 1)) + ".tmp.";
  DIR *directory = ::opendir(directoryOf(path).c_str());
  if (!directory)
    return;
  while (const dirent *entry = ::readdir(directory)) {
    std::string name = entry->d_name;
    if (name.compare(0, prefix.size(), prefix) != 0)
      continue;
    char *end = nullptr;
    long pid = std::strtol(name.c_str() + prefix.size(), &end, 10);
    if (end == name.c_str() + prefix.size() || *end != '.' || pid <= 0 ||
        pid == ::getpid() || ::kill(static_cast<pid_t>(pid), 0) == 0 ||
        errno != ESRCH)
      continue;
    ::unlinkat(::dirfd(directory), name.c_str(), 0);
  }
  ::closedir(directory);
}

std::string AtomicFile::open(const std::string &targetPath) {
  path = targetPath;
  removeStaleTemporaries(path);
  std::string pattern = path + ".tmp." + std::to_string(::getpid()) + ".XXXXXX";
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

  std::string directory = directoryOf(path);
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
