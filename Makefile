# qingfeng — the two commands: `make run` (nightly flow on the sample data) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
HASH := $(shell cat pyproject.toml | sha1sum | cut -c1-12)
export PREFECT_HOME ?= $(CURDIR)/var/prefect
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export PREFECT_LOGGING_LEVEL ?= WARNING
export PYTHONHASHSEED ?= 0

.PHONY: run test bench venv install-run install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip setuptools wheel

$(VENV)/.run-$(HASH): | $(BIN)/python
	$(PIP) install -q -e .
	touch $@

$(VENV)/.test-$(HASH): | $(BIN)/python
	$(PIP) install -q -e ".[test,bench,transformer]"
	touch $@ $(VENV)/.run-$(HASH)

install-run: $(VENV)/.run-$(HASH)
install-test: $(VENV)/.test-$(HASH)

run: install-run
	mkdir -p var/prefect
	$(BIN)/qingfeng run-sample

test: install-test
	mkdir -p var/prefect
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install-test
	mkdir -p var/prefect
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) var reports .pytest_cache
