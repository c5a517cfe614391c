# Sportel: `make demo` runs the whole pipeline on a generated batch; `make test` runs the test suite.
# Both install what a fresh Debian/Ubuntu machine lacks first (system packages, then .venv).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEMO_SERVICE ?= blq_strehim_invalidet
DEMO_DIR ?= var/demo
SYSTEM_PACKAGES := tesseract-ocr tesseract-ocr-sqi tesseract-ocr-eng tesseract-ocr-osd poppler-utils qpdf \
	ghostscript fonts-dejavu-core fonts-dejavu-extra libnss3-tools softhsm2 chromium python3-venv

.PHONY: demo test lint typecheck system-deps venv services clean

demo: venv
	$(BIN)/sportel samples --out $(DEMO_DIR)/samples --count 12 --seed 1 --service $(DEMO_SERVICE)
	$(BIN)/sportel process $(DEMO_DIR)/samples/batch.pdf --service $(DEMO_SERVICE) --case C-DEMO-0001 \
		--home $(DEMO_DIR)/home --out $(DEMO_DIR)/out

test: venv services
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -q -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: venv
	$(BIN)/mypy

system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing system packages: $$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

venv: system-deps $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -c requirements.lock -e '.[dev]'
	touch $@

services:
	bash .ci/services

clean:
	rm -rf $(VENV) var build *.egg-info
