//===- MetricsTest.cpp - Tests of metrics.jsonl and progress lines --------===//

#include "Json.h"
#include "TestSupport.h"

#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace tvq::test;

namespace {

struct MetricsDeleter {
  void operator()(tvq_metrics *metrics) const { tvq_metrics_close(metrics); }
};
using MetricsPtr = std::unique_ptr<tvq_metrics, MetricsDeleter>;

tvq_metric_field number(const char *key, double value) {
  return tvq_metric_field{key, nullptr, value};
}
tvq_metric_field text(const char *key, const char *value) {
  return tvq_metric_field{key, value, 0};
}

/// The lines of text (without their newlines); text must end with one.
std::vector<std::string> lines(const std::string &text) {
  std::vector<std::string> result;
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos;
       start = end + 1)
    result.push_back(text.substr(start, end - start));
  EXPECT_EQ(start, text.size()) << "the text does not end with a newline";
  return result;
}

/// A progress record with nothing optional.
tvq_progress bare(int64_t step) {
  return tvq_progress{step, 0, 0, 0, NAN, NAN, NAN};
}

std::string format(const tvq_progress &progress) {
  char buffer[256];
  size_t length = tvq_progress_format(&progress, buffer, sizeof(buffer));
  EXPECT_EQ(length, std::strlen(buffer));
  return buffer;
}

TEST(MetricsTest, AppendsOneObjectPerLine) {
  TempDir dir;
  std::string runDir = dir.path("runs/enwik8/1");
  MetricsPtr metrics(tvq_metrics_open(runDir.c_str()));
  ASSERT_TRUE(metrics) << tvq_last_error();
  tvq_metric_field first[] = {number("step", 100), number("loss", 1.25),
                              number("lr", 0.1), number("third", 1.0 / 3),
                              text("split", "train \"a\"\n")};
  ASSERT_EQ(tvq_metrics_append(metrics.get(), first, 5), 0) << tvq_last_error();
  // Each line is in the file as soon as the call returns.
  std::string path = runDir + "/metrics.jsonl";
  EXPECT_EQ(lines(readFile(path)).size(), 1u);
  tvq_metric_field second[] = {number("step", 200), number("loss", NAN)};
  ASSERT_EQ(tvq_metrics_append(metrics.get(), second, 2), 0);
  ASSERT_EQ(tvq_metrics_append(metrics.get(), nullptr, 0), 0);
  metrics.reset();

  // Reopening appends.
  metrics.reset(tvq_metrics_open(runDir.c_str()));
  ASSERT_TRUE(metrics) << tvq_last_error();
  tvq_metric_field third[] = {number("step", 300)};
  ASSERT_EQ(tvq_metrics_append(metrics.get(), third, 1), 0);

  std::vector<std::string> got = lines(readFile(path));
  ASSERT_EQ(got.size(), 4u);
  // Numbers read back as the same doubles.
  EXPECT_EQ(got[0], "{\"step\": 100, \"loss\": 1.25, \"lr\": 0.1, \"third\": "
                    "0.3333333333333333, \"split\": \"train \\\"a\\\"\\n\"}");
  EXPECT_EQ(std::strtod("0.3333333333333333", nullptr), 1.0 / 3);
  EXPECT_EQ(got[1], "{\"step\": 200, \"loss\": null}");
  EXPECT_EQ(got[2], "{}");
  EXPECT_EQ(got[3], "{\"step\": 300}");
  for (const std::string &line : got) {
    tvq::json::Value value;
    EXPECT_EQ(tvq::json::parse(line, value), "") << line;
  }
}

TEST(MetricsTest, Errors) {
  TempDir dir;
  std::string file = dir.path("file");
  writeFile(file, "x");
  EXPECT_EQ(tvq_metrics_open((file + "/run").c_str()), nullptr);
  EXPECT_EQ(std::string(tvq_last_error()),
            "cannot create the directory '" + file + "/run': Not a directory");
  EXPECT_EQ(tvq_metrics_open(""), nullptr);

  MetricsPtr metrics(tvq_metrics_open(dir.path("run").c_str()));
  ASSERT_TRUE(metrics) << tvq_last_error();
  tvq_metric_field repeated[] = {number("step", 1), number("step", 2)};
  EXPECT_NE(tvq_metrics_append(metrics.get(), repeated, 2), 0);
  EXPECT_NE(std::string(tvq_last_error()).find("field 1 ('step')"),
            std::string::npos);
  tvq_metric_field bad[] = {text("note", "\xff")};
  EXPECT_NE(tvq_metrics_append(metrics.get(), bad, 1), 0);
  EXPECT_EQ(readFile(dir.path("run/metrics.jsonl")), "");
}

TEST(MetricsTest, OpenDropsATornLastLine) {
  TempDir dir;
  std::string path = dir.path("metrics.jsonl");
  const std::string whole = "{\"step\": 1}\n{\"step\": 2}\n";
  // A line cut short by a kill, the same completed with a newline, an
  // empty last line: each is dropped; whole lines are kept.
  for (const std::string &torn :
       {std::string("{\"step\": 3, \"lo"), std::string("{\"step\": 3, \"lo\n"),
        std::string("\n"), std::string("{\"step\": 3}")}) {
    writeFile(path, whole + torn);
    MetricsPtr metrics(tvq_metrics_open(dir.path("").c_str()));
    ASSERT_TRUE(metrics) << tvq_last_error();
    tvq_metric_field next[] = {number("step", 3)};
    ASSERT_EQ(tvq_metrics_append(metrics.get(), next, 1), 0);
    EXPECT_EQ(readFile(path), whole + "{\"step\": 3}\n") << torn;
  }
  for (const std::string &kept : {std::string(""), whole}) {
    writeFile(path, kept);
    MetricsPtr metrics(tvq_metrics_open(dir.path("").c_str()));
    ASSERT_TRUE(metrics) << tvq_last_error();
    EXPECT_EQ(readFile(path), kept);
  }
}

TEST(MetricsTest, AFailedWriteLeavesNoPartialLine) {
  TempDir dir;
  std::string path = dir.path("metrics.jsonl");
  writeFile(path, "{\"step\": 1}\n");
  // Over the file size limit (as on a full disk) the append fails, naming
  // the cause, and removes what it wrote.
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    MetricsPtr metrics(tvq_metrics_open(dir.path("").c_str()));
    rlimit limit = {20, 20};
    setrlimit(RLIMIT_FSIZE, &limit);
    tvq_metric_field fields[] = {number("step", 2), number("loss", 1.5)};
    bool failed = metrics && tvq_metrics_append(metrics.get(), fields, 2) != 0;
    bool named = std::string(tvq_last_error()).find("File too large") !=
                 std::string::npos;
    _exit(failed && named ? 0 : 1);
  }
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(readFile(path), "{\"step\": 1}\n");
}

TEST(MetricsTest, BitsPerByte) {
  EXPECT_DOUBLE_EQ(tvq_bits_per_byte(std::log(2.0)), 1.0);
  EXPECT_DOUBLE_EQ(tvq_bits_per_byte(std::log(256.0)), 8.0);
}

TEST(ProgressTest, Format) {
  EXPECT_EQ(format(bare(7)), "step 7");
  tvq_progress full = {1200, 125000, 0, 60.0, 1.23456, 1.78111, 52345};
  // ETA: 60 s for 1200 steps, 123800 steps left: 6190 s.
  EXPECT_EQ(format(full), "step 1200/125000  loss 1.2346  bpb 1.7811  52.3k "
                          "tok/s  ETA 1h43m");
  // A resumed run estimates from the steps done since its start.
  tvq_progress resumed = {1200, 2000, 1000, 10.0, NAN, NAN, 950};
  EXPECT_EQ(format(resumed), "step 1200/2000  950 tok/s  ETA 40s");
  resumed.elapsed_s = 25.0;
  EXPECT_EQ(format(resumed), "step 1200/2000  950 tok/s  ETA 1m40s");
  resumed.tokens_per_s = 1.25e6;
  resumed.elapsed_s = 6000;
  EXPECT_EQ(format(resumed), "step 1200/2000  1.25M tok/s  ETA 6h40m");
  resumed.elapsed_s = 60000;
  EXPECT_EQ(format(resumed), "step 1200/2000  1.25M tok/s  ETA 2d18h");
  // No ETA without progress since the start.
  resumed.step = 1000;
  EXPECT_EQ(format(resumed), "step 1000/2000  1.25M tok/s");
  // snprintf-style truncation.
  char small[8];
  EXPECT_EQ(tvq_progress_format(&full, small, sizeof(small)),
            format(full).size());
  EXPECT_STREQ(small, "step 12");
}

TEST(ProgressTest, PlainLinesWhenNotATerminal) {
  TempDir dir;
  std::string path = dir.path("log");
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  tvq_progress progress = bare(1);
  EXPECT_EQ(tvq_progress_print(fd, &progress, 0), 0);
  progress.step = 2;
  EXPECT_EQ(tvq_progress_print(fd, &progress, 1), 0);
  ::close(fd);
  EXPECT_EQ(readFile(path), "step 1\nstep 2\n");
}

TEST(ProgressTest, RewritesTheLineOnATerminal) {
  int master = posix_openpt(O_RDWR | O_NOCTTY);
  ASSERT_GE(master, 0) << "posix_openpt: " << std::strerror(errno);
  ASSERT_EQ(grantpt(master), 0);
  ASSERT_EQ(unlockpt(master), 0);
  int terminal = ::open(ptsname(master), O_RDWR | O_NOCTTY);
  ASSERT_GE(terminal, 0);
  tvq_progress progress = bare(1);
  EXPECT_EQ(tvq_progress_print(terminal, &progress, 0), 0);
  progress.step = 2;
  EXPECT_EQ(tvq_progress_print(terminal, &progress, 1), 0);
  // The terminal turns "\n" into "\r\n".
  const std::string expected = "\rstep 1\x1b[K\rstep 2\x1b[K\r\n";
  std::string got;
  char buffer[256];
  while (got.size() < expected.size()) {
    ssize_t n = ::read(master, buffer, sizeof(buffer));
    if (n <= 0)
      break;
    got.append(buffer, n);
  }
  EXPECT_EQ(got, expected);
  ::close(terminal);
  ::close(master);
}

} // namespace
