//===- tvq-run.cpp - Runs compiled tvq modules from the command line ------===//
//
// tvq-run <subcommand> ...: `call` calls an entry point with .npy inputs and
// writes or prints its outputs (Call.cpp); `info` prints a module's entry
// points (Call.cpp); `bench` times an entry point (Bench.cpp); `train`,
// `eval` and `generate` run a Transformer-VQ model (Train.cpp, Eval.cpp,
// Generate.cpp); all of them but `info` take --device. Errors print "tvq-run:
// error: <message>" on stderr and exit with 1; command-line mistakes exit
// with 2.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"
#include "Common.h"

#include <csignal>

using namespace tvq::run;

namespace {

/// One subcommand: `tvq-run <name> <args...>`.
struct Subcommand {
  const char *name;
  /// The arguments after the name, for the usage text.
  const char *synopsis;
  /// What it does, for the usage text (may span lines).
  const char *summary;
  int (*run)(const std::vector<std::string> &args);
};

const Subcommand kSubcommands[] = {
    {"call",
     "MODULE.so [--function=F] --input=@IN.npy... [--output=@OUT.npy...]\n"
     "      [--device=cpu|cuda]",
     "Calls entry point F (optional when the module has one entry) with the\n"
     "inputs in signature order; dynamic dimensions come from the arrays.\n"
     "Writes one .npy per output, or, without --output, prints each output's\n"
     "name, type and leading values.",
     runCall},
    {"info", "MODULE.so",
     "Prints each entry point's signature (? marks a dynamic dimension) and\n"
     "its shape checks.",
     runInfo},
    {"bench",
     "MODULE.so [--function=F] --input=@IN.npy... [--repeat=N] [--warmup=W]\n"
     "      [--device=cpu|cuda]",
     "Calls entry point F W times (default 1), then N times (default 10),\n"
     "timing each call, and prints one JSON line: function, module, repeat,\n"
     "warmup, median_ms, min_ms, max_ms, mean_ms, stddev_ms.",
     runBench},
    {"train",
     "MODULE.so --data PATH --steps N --out RUNDIR [--resume] [--batch B]\n"
     "      [--seq-len T] [--update-len U] [--seed S] [--log-every K]\n"
     "      [--checkpoint-every K] [--accum A] [--comm-timeout SECONDS]\n"
     "      [--comm auto|mpi|nccl] [--no-overlap] [--split-step] [--format "
     "bytes|tokens|images]\n"
     "      [--finite-check step|loss] [--device cpu|cuda]",
     "Trains with the module's train_step until step N (the run's total):\n"
     "a progress line, RUNDIR/metrics.jsonl, and checkpoints in\n"
     "RUNDIR/checkpoint.safetensors (every K steps and at the end).\n"
     "Defaults: B 8, T 4 x block length, U = T, S 0, log every 10,\n"
     "checkpoint every 500. With U < T each sequence trains in T/U steps\n"
     "(truncated BPTT), the attention state carried between them.\n"
     "--resume continues from the checkpoint exactly. `mpirun -np N`\n"
     "trains on N workers (data parallel); each step's batch is N x A\n"
     "micro-batches of B rows (train_grads, then apply_update); --comm\n"
     "says what sums their gradients: nccl (GPU; libnccl.so.2 or\n"
     "$TVQ_NCCL_LIBRARY), mpi, or auto (nccl for several workers on CUDA).\n"
     "Each gradient's sum starts as soon as train_grads has computed it,\n"
     "while the backward pass goes on; --no-overlap sums after the call.\n"
     "--finite-check step scans every new tensor for NaN/Inf every step\n"
     "(default on the CPU); loss checks the loss and gradient norm every\n"
     "step and the tensors before checkpoints (default for CUDA modules).",
     runTrain},
    {"eval",
     "MODULE.so --checkpoint RUNDIR --data PATH [--split=valid|test|train]\n"
     "      [--mode=parallel|stream] [--seq-len T] [--max-tokens N] "
     "[--batch B]\n"
     "      [--device cpu|cuda]",
     "Scores a data split in windows of T tokens with eval_loss (parallel)\n"
     "or decode_step one token at a time (stream); prints a JSON line with\n"
     "loss (nats/token), bpb (ppl for token models) and tokens.",
     runEval},
    {"generate",
     "MODULE.so --checkpoint RUNDIR [--prompt TEXT] --tokens N [--top-p P]\n"
     "      [--temperature X] [--seed S] [--device cpu|cuda]",
     "Feeds [eos] + the prompt through decode_step, then samples N tokens\n"
     "(top-p 0.9, temperature 1, seed 0 by default) and prints the text.",
     runGenerate},
};

} // namespace

void tvq::run::printUsage(std::FILE *stream) {
  std::fprintf(stream,
               "usage: tvq-run <subcommand> [arguments]\n\nsubcommands:\n");
  for (const Subcommand &subcommand : kSubcommands) {
    std::fprintf(stream, "  %s %s\n", subcommand.name, subcommand.synopsis);
    std::string summary = subcommand.summary;
    size_t start = 0;
    while (start < summary.size()) {
      size_t end = summary.find('\n', start);
      if (end == std::string::npos)
        end = summary.size();
      std::fprintf(stream, "      %s\n",
                   summary.substr(start, end - start).c_str());
      start = end + 1;
    }
  }
  std::fprintf(stream,
               "\noptions:\n  -h, --help  print this help\n"
               "  --device cpu|cuda  the device to run the module on: its\n"
               "      target by default; the other one is an error. A module\n"
               "      compiled with --target=cuda needs the CUDA driver\n"
               "      (libcuda.so.1, or the library TVQ_CUDA_DRIVER names).\n");
}

int main(int argc, char **argv) {
  // A write past the file size limit (ulimit -f) then fails with EFBIG and a
  // message, as on a full disk, instead of killing the process.
  std::signal(SIGXFSZ, SIG_IGN);
  if (argc < 2) {
    printUsage(stderr);
    return kExitUsage;
  }
  std::string name = argv[1];
  if (isHelp(name)) {
    printUsage();
    return 0;
  }
  for (const Subcommand &subcommand : kSubcommands)
    if (name == subcommand.name)
      return subcommand.run(std::vector<std::string>(argv + 2, argv + argc));
  if (!name.empty() && name[0] == '-')
    return usageError("unknown option '" + name + "'");
  return usageError("unknown subcommand '" + name + "'");
}
