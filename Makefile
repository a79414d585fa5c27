# The two commands of the README: `make demo` and `make test`. Also `make build`.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release \
  -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
  -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit

.PHONY: setup configure build test demo clean format bench

setup:
	@bash scripts/setup.sh

configure: setup
	@if [ ! -f $(BUILD_DIR)/build.ninja ]; then \
	  cmake -G Ninja -S . -B $(BUILD_DIR) $(CMAKE_FLAGS); fi

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j 1

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
