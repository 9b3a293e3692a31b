# The README contract: `make demo` and `make test` on a fresh Debian 12 machine.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
# CI (.ci/run sets CI=true) builds with warnings as errors.
ifeq ($(CI),true)
CMAKE_FLAGS += -DADPILOT_WERROR=ON
endif
# Hardening builds (docs/testing.md), each in its own folder.
FUZZ_BUILD ?= build-fuzz
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
# Seconds per fuzz target: `make test` runs a short round, `make fuzz` a long one.
FUZZ_TEST_SECONDS ?= 60
# make test's round is reproducible: a fixed seed and this many inputs per
# target, which every target reaches well inside the seconds above (the
# slowest, the readers under ASan, ran 389 in 12 s on a loaded machine), so a
# clean clone in CI runs exactly the round that passed before submitting.
FUZZ_TEST_SEED ?= 1
FUZZ_TEST_RUNS ?= 300
FUZZ_SECONDS ?= 300
CLANGXX := $(shell command -v clang++ 2>/dev/null)
# Sanitizer run-time options, suppressions and why: tests/sanitize/.
SAN_DIR := $(CURDIR)/tests/sanitize
SAN_ENV = ASAN_OPTIONS=$$(cat $(SAN_DIR)/asan.options) \
  LSAN_OPTIONS=suppressions=$(SAN_DIR)/lsan.supp:print_suppressions=0 \
  UBSAN_OPTIONS=$$(cat $(SAN_DIR)/ubsan.options)
TSAN_ENV = TSAN_OPTIONS=$$(cat $(SAN_DIR)/tsan.options):suppressions=$(SAN_DIR)/tsan.supp
# Hardening builds need neither benchmarks nor an optimised build: -O1 -g.
HARDEN_FLAGS = -DADPILOT_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g -DNDEBUG" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g -DNDEBUG"
# TSan: the serve suite (less the two tests that run the CLI) and the tests
# that train or generate on several threads.
TSAN_TARGETS = test_serve test_predict test_gen
TSAN_SKIP = ServeCli|ServeClosedLoop
TSAN_PARALLEL = ParallelTraining|GenDeterminism

.PHONY: all deps build cli test demo tour clean fuzz-build fuzz-quick fuzz sanitize sanitize-serve tsan format format-check tidy install deb python

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

test: build
	@$(MAKE) --no-print-directory format-check
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900
	@$(MAKE) --no-print-directory fuzz-quick

# The CLI, libadpilot, headers, CMake package and pkg-config file
# (cmake/install.cmake): `make install PREFIX=/opt/adpilot`, or a .deb.
install: build
	cmake --install $(BUILD) $(if $(PREFIX),--prefix $(PREFIX))

deb: build
	cd $(BUILD) && cpack -G DEB

# The demo and the tour need the CLI alone: no tests, benchmarks or
# sanitizer builds (`make test` builds those).
cli: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS) --target adpilot_cli

# The Python module, importable with Debian's interpreter:
# PYTHONPATH=build/python /usr/bin/python3 -c "import adpilot" (docs/python.md).
python: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS) --target adpilot_python

demo: cli
	@bash scripts/demo.sh $(BUILD)/adpilot

tour: cli
	@cmake --build $(BUILD) -j $(JOBS) --target adpilot_python > /dev/null 2>&1 || \
	  echo "tour: the Python module is not built (pybind11 missing); its step is skipped"
	@bash scripts/tour.sh $(BUILD)/adpilot

# Formatting (.clang-format, clang-format 14): `make format` applies it, and
# `make test` fails on a file it would change. The fuzz regression inputs are
# data, not code.
FORMAT_FILES = git ls-files '*.cc' '*.h' ':!:tests/fuzz/regressions/*'
CLANG_FORMAT := $(shell command -v clang-format 2>/dev/null)

format:
	$(FORMAT_FILES) | xargs -r clang-format -i

format-check:
ifeq ($(CLANG_FORMAT),)
	@echo "make test: clang-format not found: format check skipped (apt-get install clang-format)"
else
	@$(FORMAT_FILES) | xargs -r clang-format --dry-run --Werror && echo "format-check: every file is formatted"
endif

# Static analysis (.clang-tidy) of the library and CLI sources; about 30
# CPU-minutes (libtorch headers), so its own target rather than part of `make test`.
# clang-tidy cannot read GCC's precompiled headers: it gets its own
# compile_commands.json without them (configured, never built).
TIDY_BUILD ?= build-tidy
tidy: deps
	cmake -S . -B $(TIDY_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DADPILOT_PCH=OFF > /dev/null
	run-clang-tidy -p $(TIDY_BUILD) -j $(JOBS) -quiet -extra-arg=-Wno-unknown-warning-option '$(CURDIR)/src/'

# libFuzzer targets (tests/fuzz): clang, ASan+UBSan, no libtorch, with
# assertions on (more checks for the fuzzer to trip), no precompiled headers
# (clang rejects one shared by targets whose -D differ; per target they saved
# 2%). make test's round builds at -O0 (416 s on 2 cores at -O1, 346 s at -O0;
# its fixed number of inputs takes 35 s or 71 s); `make fuzz` builds its own
# folder at -O1, where each input runs faster.
FUZZ_LONG_BUILD ?= build-fuzz-long
FUZZ_CONFIGURE = CC=clang CXX=clang++ cmake -S . -G Ninja -DADPILOT_BUILD_FUZZ=ON -DADPILOT_BUILD_TESTS=OFF \
  -DADPILOT_PCH=OFF -DADPILOT_BUILD_BENCH=OFF -DADPILOT_WITH_TORCH=OFF -DCMAKE_BUILD_TYPE=Debug
$(FUZZ_BUILD)/build.ninja:
	$(FUZZ_CONFIGURE) -B $(FUZZ_BUILD) "-DCMAKE_CXX_FLAGS_DEBUG=-O0 -g" "-DCMAKE_C_FLAGS_DEBUG=-O0 -g"
$(FUZZ_LONG_BUILD)/build.ninja:
	$(FUZZ_CONFIGURE) -B $(FUZZ_LONG_BUILD) "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g" "-DCMAKE_C_FLAGS_DEBUG=-O1 -g"

fuzz-build: $(FUZZ_BUILD)/build.ninja
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_all

# Part of `make test`: every regression input, then a short round per target.
fuzz-quick:
ifeq ($(CLANGXX),)
	@echo "make test: clang++ not found: fuzz targets skipped (apt-get install clang)"
else
	@$(MAKE) --no-print-directory fuzz-build
	cd $(FUZZ_BUILD) && FUZZ_SECONDS=$(FUZZ_TEST_SECONDS) FUZZ_SEED=$(FUZZ_TEST_SEED) FUZZ_RUNS=$(FUZZ_TEST_RUNS) \
	  ctest --output-on-failure -j $(JOBS) -L fuzz
endif

fuzz: deps $(FUZZ_LONG_BUILD)/build.ninja
	cmake --build $(FUZZ_LONG_BUILD) -j $(JOBS) --target fuzz_all
	cd $(FUZZ_LONG_BUILD) && FUZZ_SECONDS=$(FUZZ_SECONDS) ctest --output-on-failure -j $(JOBS) -L fuzz --timeout 0

# The whole test suite under ASan+UBSan (GCC, as the normal build).
$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DADPILOT_SANITIZE=address,undefined $(HARDEN_FLAGS)

sanitize: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && $(SAN_ENV) ctest --output-on-failure -j $(JOBS) --timeout 1800

# The serve suite with the server's code under ASan+UBSan (tests/serve/CMakeLists.txt),
# in the normal build folder: about 9 CPU-minutes more than `make test`.
sanitize-serve: deps $(BUILD)/build.ninja
	cmake -S . -B $(BUILD) -DADPILOT_SANITIZE_SERVE=ON > /dev/null
	cmake --build $(BUILD) -j $(JOBS) --target test_serve_sanitized
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900 -L sanitize

# ThreadSanitizer on the serve and multi-threaded training tests.
$(TSAN_BUILD)/build.ninja:
	cmake -S . -B $(TSAN_BUILD) -G Ninja -DADPILOT_SANITIZE=thread -DADPILOT_WITH_TORCH=OFF $(HARDEN_FLAGS)

tsan: deps $(TSAN_BUILD)/build.ninja
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target $(TSAN_TARGETS)
	cd $(TSAN_BUILD) && $(TSAN_ENV) ctest --output-on-failure -j $(JOBS) --timeout 1800 -L serve -E '$(TSAN_SKIP)'
	cd $(TSAN_BUILD) && $(TSAN_ENV) ctest --output-on-failure -j $(JOBS) --timeout 1800 -R '$(TSAN_PARALLEL)'

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) $(FUZZ_LONG_BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(TIDY_BUILD)
