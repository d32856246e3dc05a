# Front end for the CMake build. Every target installs what it needs first (scripts/deps.sh is
# idempotent and returns at once when nothing is missing).
BUILD      ?= build
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
CMAKE_FLAGS ?=
FUZZ_SECONDS ?= 10
# Where `make run` keeps its data; the server's own default is ./data too.
DATA_DIR   ?= ./data
SERVER_TARGETS = filesd filesd-worker

.PHONY: all deps-build deps-test deps configure build build-server run test unit e2e fuzz fuzz-build \
        fuzz-smoke bench bench-processing clean

all: build

deps-build:
	@scripts/deps.sh build

deps-test:
	@scripts/deps.sh test

deps:
	@scripts/deps.sh all

# `make run` configures the build directory (once) without the tests, so it needs only the server's
# packages; `make build` and `make test` configure it with them.
configure:
	@if [ ! -f $(BUILD)/CMakeCache.txt ]; then \
	  echo "cmake: configuring $(BUILD)/"; mkdir -p $(BUILD); \
	  cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFILESD_TESTS=OFF \
	    $(CMAKE_FLAGS) >$(BUILD)/configure.log 2>&1 || { tail -n 30 $(BUILD)/configure.log; exit 1; }; \
	fi

# The server and its analysis worker only.
build-server: deps-build configure
	@echo "build: $(SERVER_TARGETS) ($(JOBS) jobs)"
	@cmake --build $(BUILD) -j $(JOBS) --target $(SERVER_TARGETS)

# Everything, tests included.
build: deps-test
	@mkdir -p $(BUILD) && cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFILESD_TESTS=ON \
	  $(CMAKE_FLAGS) >$(BUILD)/configure.log 2>&1 || { tail -n 30 $(BUILD)/configure.log; exit 1; }
	@echo "build: everything, tests included ($(JOBS) jobs)"
	@cmake --build $(BUILD) -j $(JOBS)

run: build-server
	@echo "run: $(BUILD)/filesd serve --data-dir $(DATA_DIR)   (Ctrl-C stops it)"
	@$(BUILD)/filesd serve --data-dir $(DATA_DIR)

# Everything: warnings as errors, unit + conformance + end-to-end tests, then short fuzz runs.
test: deps-test
	@$(MAKE) --no-print-directory build CMAKE_FLAGS="-DFILESD_WERROR=ON $(CMAKE_FLAGS)"
	@scripts/npm-install.sh
	@$(MAKE) --no-print-directory fuzz-smoke
	@echo "test: ctest (unit, conformance, end-to-end)"
	@cd $(BUILD) && ctest --output-on-failure -j 2 --timeout 900

unit: build
	@cd $(BUILD) && ctest --output-on-failure -L unit

e2e: build
	@scripts/npm-install.sh
	@cd $(BUILD) && ctest --output-on-failure -L e2e

fuzz-build: deps-test
	@echo "build: fuzz targets (clang, ASan+UBSan) in $(FUZZ_BUILD)/"
	@mkdir -p $(FUZZ_BUILD) && CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFILESD_FUZZ=ON -DFILESD_WERROR=ON \
	  >$(FUZZ_BUILD)/configure.log 2>&1 || { tail -n 30 $(FUZZ_BUILD)/configure.log; exit 1; }
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)

# A bounded run of every fuzz target (part of `make test`).
fuzz-smoke: fuzz-build
	@scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# Longer fuzzing: `make fuzz FUZZ_SECONDS=600`.
fuzz: FUZZ_SECONDS = 300
fuzz: fuzz-build
	@scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# The data-path benchmark against nginx (bench/README.md); it needs the server and its worker only.
bench: deps build-server
	@bench/run.sh $(BUILD) data

# The processing benchmarks (analysis worker against DuckDB, simdjson, pdftotext, tesseract).
bench-processing: deps build-server
	@scripts/npm-install.sh bench
	@bench/run.sh $(BUILD) processing

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)
