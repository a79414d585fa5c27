//===- Metrics.cpp - metrics.jsonl and the progress line ------------------===//

#include "Error.h"
#include "Json.h"

#include "tvq/tvq_runtime.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <set>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

using namespace tvq;

struct tvq_metrics {
  std::string path;
  int fd = -1;
  ~tvq_metrics() {
    if (fd >= 0)
      ::close(fd);
  }
};

/// Creates directory and its missing parents; "" or the problem.
static std::string makeDirectories(const std::string &directory) {
  for (size_t slash = directory.find('/', 1);;
       slash = directory.find('/', slash + 1)) {
    std::string prefix = directory.substr(0, slash);
    if (!prefix.empty() && ::mkdir(prefix.c_str(), 0777) != 0 &&
        errno != EEXIST)
      return "cannot create the directory '" + prefix +
             "': " + std::strerror(errno);
    if (slash == std::string::npos)
      return "";
  }
}

/// Writes all of text to fd; "" or the problem.
static std::string writeAll(int fd, const std::string &text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t written = ::write(fd, text.data() + done, text.size() - done);
    if (written < 0) {
      if (errno == EINTR)
        continue;
      return std::strerror(errno);
    }
    done += static_cast<size_t>(written);
  }
  return "";
}

/// A process killed in the middle of an append (or a write cut short by a
/// full disk) can leave a last line that is not a whole JSON object; drops
/// it, so that the next append starts a line of its own. "" or the problem.
static std::string dropTornLine(int fd) {
  struct stat info;
  if (::fstat(fd, &info) != 0)
    return std::strerror(errno);
  // Lines are short: the last one starts within the final 64 KiB.
  off_t tailStart = std::max<off_t>(0, info.st_size - 65536);
  std::string tail(static_cast<size_t>(info.st_size - tailStart), '\0');
  if (::pread(fd, tail.data(), tail.size(), tailStart) !=
      static_cast<ssize_t>(tail.size()))
    return "cannot read it back";
  if (tail.empty())
    return "";
  bool complete = tail.back() == '\n';
  size_t end = complete ? tail.size() - 1 : tail.size();
  size_t newline = end ? tail.rfind('\n', end - 1) : std::string::npos;
  if (newline == std::string::npos && tailStart > 0)
    return ""; // a line longer than any of ours: leave it
  size_t start = newline == std::string::npos ? 0 : newline + 1;
  json::Value value;
  if (complete &&
      json::parse(std::string_view(tail).substr(start, end - start), value)
          .empty() &&
      value.kind == json::Value::Kind::Object)
    return "";
  if (::ftruncate(fd, tailStart + static_cast<off_t>(start)) != 0)
    return std::strerror(errno);
  return "";
}

tvq_metrics *tvq_metrics_open(const char *run_dir) {
  if (!run_dir || !*run_dir) {
    setError("tvq_metrics_open: no run directory");
    return nullptr;
  }
  if (std::string error = makeDirectories(run_dir); !error.empty()) {
    setError(error);
    return nullptr;
  }
  auto *metrics = new tvq_metrics;
  metrics->path = std::string(run_dir) + "/metrics.jsonl";
  metrics->fd = ::open(metrics->path.c_str(),
                       O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  std::string error =
      metrics->fd < 0 ? std::strerror(errno) : dropTornLine(metrics->fd);
  if (!error.empty()) {
    setError("cannot open '" + metrics->path + "': " + error);
    delete metrics;
    return nullptr;
  }
  return metrics;
}

void tvq_metrics_close(tvq_metrics *metrics) { delete metrics; }

int tvq_metrics_append(tvq_metrics *metrics, const tvq_metric_field *fields,
                       int32_t num_fields) {
  if (!metrics || num_fields < 0 || (num_fields > 0 && !fields)) {
    setError("tvq_metrics_append: invalid arguments");
    return 1;
  }
  std::string line = "{";
  std::set<std::string> keys;
  for (int32_t i = 0; i < num_fields; ++i) {
    const tvq_metric_field &field = fields[i];
    if (!field.key || !keys.insert(field.key).second ||
        !json::isValidUtf8(field.key) ||
        (field.string && !json::isValidUtf8(field.string))) {
      setError("tvq_metrics_append: field " + std::to_string(i) + " ('" +
               (field.key ? field.key : "") +
               "') has a missing, repeated or non-UTF-8 key or value");
      return 1;
    }
    if (i)
      line += ", ";
    json::appendString(line, field.key);
    line += ": ";
    if (field.string)
      json::appendString(line, field.string);
    else
      json::appendNumber(line, field.number);
  }
  line += "}\n";
  // A write cut short (a full disk, a file size limit) is undone, so that
  // the file holds whole lines only.
  struct stat info;
  off_t before = ::fstat(metrics->fd, &info) == 0 ? info.st_size : -1;
  if (std::string error = writeAll(metrics->fd, line); !error.empty()) {
    if (before >= 0 && ::ftruncate(metrics->fd, before) != 0)
      error += " (and the partial line could not be removed)";
    setError("cannot write '" + metrics->path + "': " + error);
    return 1;
  }
  return 0;
}

double tvq_bits_per_byte(double loss_nats) { return loss_nats / std::log(2.0); }

//===----------------------------------------------------------------------===//
// Progress
//===----------------------------------------------------------------------===//

/// "45s", "12m05s", "3h12m", "2d04h".
static std::string formatDuration(double seconds) {
  long long s = std::llround(seconds);
  char buffer[48];
  if (s < 60)
    std::snprintf(buffer, sizeof(buffer), "%llds", s);
  else if (s < 3600)
    std::snprintf(buffer, sizeof(buffer), "%lldm%02llds", s / 60, s % 60);
  else if (s < 86400)
    std::snprintf(buffer, sizeof(buffer), "%lldh%02lldm", s / 3600,
                  s / 60 % 60);
  else
    std::snprintf(buffer, sizeof(buffer), "%lldd%02lldh", s / 86400,
                  s / 3600 % 24);
  return buffer;
}

/// "950", "52.3k", "1.25M".
static std::string formatRate(double rate) {
  char buffer[48];
  if (rate < 1e3)
    std::snprintf(buffer, sizeof(buffer), "%.0f", rate);
  else if (rate < 1e6)
    std::snprintf(buffer, sizeof(buffer), "%.1fk", rate / 1e3);
  else
    std::snprintf(buffer, sizeof(buffer), "%.2fM", rate / 1e6);
  return buffer;
}

/// The progress line without a newline.
static std::string progressLine(const tvq_progress &progress) {
  char buffer[64];
  std::string line = "step " + std::to_string(progress.step);
  if (progress.total_steps > 0)
    line += "/" + std::to_string(progress.total_steps);
  if (std::isfinite(progress.loss)) {
    std::snprintf(buffer, sizeof(buffer), "  loss %.4f", progress.loss);
    line += buffer;
  }
  if (std::isfinite(progress.bits_per_byte)) {
    std::snprintf(buffer, sizeof(buffer), "  bpb %.4f", progress.bits_per_byte);
    line += buffer;
  }
  if (std::isfinite(progress.tokens_per_s) && progress.tokens_per_s >= 0)
    line += "  " + formatRate(progress.tokens_per_s) + " tok/s";
  int64_t done = progress.step - progress.start_step;
  if (progress.total_steps > 0 && done > 0 &&
      progress.step <= progress.total_steps &&
      std::isfinite(progress.elapsed_s) && progress.elapsed_s >= 0) {
    double eta = progress.elapsed_s *
                 static_cast<double>(progress.total_steps - progress.step) /
                 static_cast<double>(done);
    line += "  ETA " + formatDuration(eta);
  }
  return line;
}

size_t tvq_progress_format(const tvq_progress *progress, char *buf,
                           size_t size) {
  std::string line = progress ? progressLine(*progress) : "";
  if (buf && size > 0)
    std::snprintf(buf, size, "%s", line.c_str());
  return line.size();
}

int tvq_progress_print(int fd, const tvq_progress *progress, int done) {
  if (!progress) {
    setError("tvq_progress_print: null progress");
    return 1;
  }
  std::string line = progressLine(*progress);
  if (::isatty(fd))
    line = "\r" + line + "\x1b[K" + (done ? "\n" : "");
  else
    line += "\n";
  if (std::string error = writeAll(fd, line); !error.empty()) {
    setError("cannot print the progress line: " + error);
    return 1;
  }
  return 0;
}
