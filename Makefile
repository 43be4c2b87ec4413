# EdgeNAS: differentiable NAS in Swift, ending in a lean on-device runtime.
# `make demo` and `make test` do all set-up on a fresh Debian machine (as root).
SHELL := /bin/bash
.DEFAULT_GOAL := help

APT_PACKAGES := libopenblas-dev libpng-dev zlib1g-dev libonnx-dev libprotobuf-dev protobuf-compiler pkg-config dataset-fashion-mnist
# Tuned build for the CPU it runs on: AVX-512 (SIMD16 kernels, NAS_AVX512) where /proc/cpuinfo lists avx512f,
# AVX2+FMA (SIMD8 kernels) where it lists those, portable elsewhere (aarch64 has FMA anyway). build-portable skips it.
TUNED := $(shell if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then \
    echo "-Xswiftc -target-cpu -Xswiftc skylake-avx512 -Xswiftc -DNAS_AVX512"; \
  elif grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo 2>/dev/null; then \
    echo "-Xswiftc -target-cpu -Xswiftc haswell"; fi)
JOBS := $(shell nproc 2>/dev/null || echo 2)
RELEASE := -c release -j $(JOBS) $(TUNED)
# Tests run optimised (heavy numerics) with @testable access, in their own build folder.
TEST_FLAGS := -c release -j $(JOBS) -Xswiftc -enable-testing $(TUNED)

.PHONY: help deps venv venv-tract build build-runtime build-portable demo reproduce test test-front test-runtime bench clean

help:
	@echo "make demo    - whole pipeline end to end on Fashion-MNIST"
	@echo "make test    - every test (front end and runtime)"
	@echo "make bench   - benchmarks, JSON to bench-results.json"
	@echo "make build   - release build (tuned CPU target when available)"

## deps: install missing Debian packages (idempotent; only calls apt when something is missing)
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq $$missing; \
	fi

## venv: Python environment with onnx + onnxruntime + numpy for the export tests (.venv, idempotent: pip runs
## only when an import fails). ExportTests compare the exported ONNX model against onnxruntime through it.
VENV := .venv
VENV_PACKAGES := onnx onnxruntime numpy
venv:
	@if ! $(VENV)/bin/python -c "import onnx, onnxruntime, numpy" >/dev/null 2>&1; then \
	  echo "creating $(VENV) with $(VENV_PACKAGES)"; \
	  if ! python3 -c "import ensurepip" >/dev/null 2>&1; then \
	    export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq python3-venv; \
	  fi; \
	  rm -rf $(VENV) && python3 -m venv $(VENV) && \
	  $(VENV)/bin/python -m pip install -q --disable-pip-version-check $(VENV_PACKAGES); \
	fi

## venv-tract: PyPI `tract` in .venv, only for `make bench` (optional: when pip fails, bench-runtime.json records
## "tract": null with the reason and everything else still runs; `make test` never needs it)
venv-tract: venv
	@$(VENV)/bin/python -c "import tract" >/dev/null 2>&1 || \
	  $(VENV)/bin/python -m pip install -q --disable-pip-version-check tract || \
	  echo "tract not installed: make bench records \"tract\": null"

build: deps
	swift build $(RELEASE)

## build-runtime: the on-device CLI alone, Swift runtime linked statically (what ships to a board)
build-runtime: deps
	cd runtime && swift build $(RELEASE) --product nas-infer --static-swift-stdlib -Xswiftc -use-ld=lld -Xlinker --no-pie -Xlinker --no-export-dynamic -Xlinker --no-eh-frame-hdr \
	  -Xswiftc -Xfrontend -Xswiftc -function-sections -Xswiftc -Xfrontend -Xswiftc -internalize-at-link

## demo: search -> train -> export -> infer -> audit on Fashion-MNIST (FRESH=1 starts over; outputs in demo-out/)
demo: build build-runtime
	FRESH=$(FRESH) scripts/demo.sh

## reproduce: the paper's comparison on Fashion-MNIST (all five methods, one budget) -> docs/results.md
reproduce: build build-runtime
	SEEDS="$(or $(SEEDS),2)" scripts/reproduce.sh

build-portable: deps
	swift build -c release -j $(JOBS)

test: deps venv test-runtime test-front

test-front:
	swift build --build-tests --scratch-path .build/test $(TEST_FLAGS)
	swift test --skip-build --scratch-path .build/test $(TEST_FLAGS)

test-runtime:
	cd runtime && swift build --build-tests --scratch-path .build/test $(TEST_FLAGS)
	cd runtime && swift test --skip-build --scratch-path .build/test $(TEST_FLAGS)

## bench: engine benchmarks (bench-results.json), then nas-infer vs onnxruntime vs tract batch-1 latency on the
## fixture-size and paper-size PC_DARTS networks (bench-runtime.json, bench/runtime_latency.sh)
bench: deps venv venv-tract build build-runtime
	.build/release/nas-bench --json bench-results.json
	bench/runtime_latency.sh

clean:
	rm -rf .build runtime/.build
