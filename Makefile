# The two commands of the README: `make demo` and `make test`. Also `make build`,
# `make fuzz` and `make test-asan` (fuzz/README.md).
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release \
  -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
  -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit

# The sanitizer build (clang 22, ASan + UBSan, libFuzzer coverage): the fuzz
# targets of fuzz/ and `make test-asan`.
ASAN_DIR ?= build-asan
ASAN_CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release \
  "-DCMAKE_C_FLAGS_RELEASE=-O1 -DNDEBUG" "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -DNDEBUG" \
  -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 -DTVQ_BUILD_FUZZERS=ON \
  -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
  -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit
# Seconds per target of `make fuzz` (make test runs about a minute in all).
FUZZ_SECONDS ?= 300

.PHONY: setup configure build test demo clean format bench configure-asan \
  fuzzers fuzz test-asan

setup:
	@bash scripts/setup.sh

configure: setup
	@if [ ! -f $(BUILD_DIR)/build.ninja ]; then \
	  cmake -G Ninja -S . -B $(BUILD_DIR) $(CMAKE_FLAGS); fi

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build fuzzers
	cd $(BUILD_DIR) && ctest --output-on-failure -j 1
	@bash scripts/fuzz.sh $(ASAN_DIR) quick

configure-asan: setup
	@if [ ! -f $(ASAN_DIR)/build.ninja ]; then \
	  cmake -G Ninja -S . -B $(ASAN_DIR) $(ASAN_CMAKE_FLAGS); fi

# Only the fuzz targets (the runtime and the compiler's libraries).
fuzzers: configure-asan
	cmake --build $(ASAN_DIR) -j $(JOBS) --target tvq-fuzzers

# FUZZ_SECONDS per target; the corpus grows in $(ASAN_DIR)/fuzz/corpus.
fuzz: fuzzers
	@bash scripts/fuzz.sh $(ASAN_DIR) $(FUZZ_SECONDS)

# The whole suite (lit, GoogleTest, Python) under ASan and UBSan.
test-asan: configure-asan
	cmake --build $(ASAN_DIR) -j $(JOBS)
	cd $(ASAN_DIR) && ctest --output-on-failure -j 1

demo: build
	@bash scripts/demo.sh $(BUILD_DIR)

# The benchmark suite (bench/run.py): creates bench/.venv (numpy, torch from PyPI) the first
# time, then measures and rewrites bench/RESULTS.md. BENCH_ARGS=--quick for a smoke run.
bench: build
	@bash bench/setup_venv.sh
	bench/.venv/bin/python bench/run.py --build-dir $(BUILD_DIR) $(BENCH_ARGS)

format:
	git ls-files '*.cpp' '*.h' '*.c' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)
