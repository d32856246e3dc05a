# Front end for the CMake build. Every target installs what it needs first (scripts/deps.sh is
# idempotent and fast when nothing is missing).
BUILD      ?= build
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
CMAKE_FLAGS ?=
FUZZ_SECONDS ?= 10
# Where `make run` keeps its data; the server's own default is ./data too.
DATA_DIR   ?= ./data

.PHONY: all deps deps-build configure build run test unit e2e fuzz fuzz-build fuzz-smoke bench clean

all: build

deps-build:
	@scripts/deps.sh build

deps:
	@scripts/deps.sh

configure:
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null

build: deps-build configure
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/filesd serve --data-dir $(DATA_DIR)

# Everything: warnings as errors, unit + conformance + end-to-end tests, then short fuzz runs.
test: deps
	@$(MAKE) --no-print-directory build CMAKE_FLAGS="-DFILESD_WERROR=ON $(CMAKE_FLAGS)"
	@scripts/npm-install.sh
	@$(MAKE) --no-print-directory fuzz-smoke
	@cd $(BUILD) && ctest --output-on-failure -j 2 --timeout 900

unit: build
	@cd $(BUILD) && ctest --output-on-failure -L unit

e2e: build
	@scripts/npm-install.sh
	@cd $(BUILD) && ctest --output-on-failure -L e2e

fuzz-build: deps
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DFILESD_FUZZ=ON -DFILESD_WERROR=ON >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)

# A bounded run of every fuzz target (part of `make test`).
fuzz-smoke: fuzz-build
	@scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# Longer fuzzing: `make fuzz FUZZ_SECONDS=600`.
fuzz: FUZZ_SECONDS = 300
fuzz: fuzz-build
	@scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

bench: deps build
	@scripts/npm-install.sh
	@bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)
