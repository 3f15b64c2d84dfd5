# Petrel: `make serve` installs what is missing, builds and starts the server on :4566;
# `make test` runs every test (Swift unit tests, then the end-to-end suite).
SWIFT ?= swift
PYTEST ?= python3 -m pytest

.PHONY: deps build release serve test unit runtime e2e bench

deps:
	./scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

serve: release
	.build/release/petrel serve

unit: build
	$(SWIFT) test

runtime:
	node --test tests/runtime/
	if ls tests/runtime/python/test_*.py >/dev/null 2>&1; then $(PYTEST) -q tests/runtime/python; fi

e2e: build
	PETREL_BIN=$(CURDIR)/.build/debug/petrel $(PYTEST) -q tests/e2e

test: unit runtime e2e

bench: release
	python3 bench/run.py
