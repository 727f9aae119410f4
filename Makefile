# One-command build and test of the China-Kazakhstan thesis companion.
#
#   make book      venv + data + notebooks + HTML   ->  _build/html/index.html
#   make test      venv + browser + the whole test suite
#   make help      every target, with its one-line description
#
# Targets document themselves: a comment after `##` on the target line is what
# `make help` prints.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# The interpreter that creates the virtual environment (Python 3.11 or newer).
PYTHON_BOOTSTRAP ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Stamp written after a successful install: re-install only when the pins or
# the package metadata change (make compares the stamp with its prerequisites).
VENV_STAMP := $(VENV)/.kzcn-installed

# `make book PARTNER=UZB` builds the variant book for another Central Asian
# country into _build/variants/UZB/html; JOBS sets parallel notebook runs.
PARTNER ?=
JOBS ?=
BUILD_ARGS ?=
# Extra pytest arguments, e.g. `make test TEST_ARGS="-k pipeline -x"`.
TEST_ARGS ?=
# Headless browser used by tests/browser (Debian package).
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help venv data book test lint format clean distclean lock bench browser serve lab kernel pdf pdf-tools

help: ## list the targets
	@echo "usage: make <target> [PARTNER=ISO3] [JOBS=N] [TEST_ARGS=...]"
	@echo
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  %-10s %s\n", $$1, $$2}'

venv: $(VENV_STAMP) ## create .venv and install the pinned requirements.txt + the kzcn package

$(VENV_STAMP): requirements.txt pyproject.toml
	@$(PYTHON_BOOTSTRAP) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ needed")'
	@[ -x $(PY) ] || $(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $@

data: venv ## download the raw files of data/sources.yml and verify their sha256
	$(PY) -m kzcn data fetch
	$(PY) -m kzcn data verify --strict

book: venv ## build everything: data, notebooks, HTML (PARTNER=UZB for a variant)
	$(PY) -m kzcn build $(if $(PARTNER),--country $(PARTNER)) $(if $(JOBS),--jobs $(JOBS)) $(BUILD_ARGS)

browser: venv ## install Debian chromium for the browser tests if it is missing
	@if [ ! -x $(CHROMIUM) ]; then \
	  echo "installing chromium (apt-get)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; \
	fi
	@$(CHROMIUM) --version
	@if [ -z "$$(fc-list :lang=zh 2>/dev/null)" ]; then \
	  echo "installing fonts-noto-cjk (apt-get): Chinese text in the pages"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends fonts-noto-cjk >/dev/null; \
	fi

# The PDF edition (kzcn/pdf.py): XeLaTeX, CJK and free fonts, poppler for the
# tests; the package list is kzcn.pdf.DEBIAN_PACKAGES (one place).
pdf-tools: venv ## install Debian's TeX Live, CJK fonts and poppler for the PDF if missing
	@missing="$$($(PY) -m kzcn.pdf --missing-packages)"; \
	if [ -n "$$missing" ]; then \
	  echo "installing (apt-get): $$missing"; \
	  $(SUDO) apt-get -o DPkg::Lock::Timeout=600 update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive \
	    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

pdf: book pdf-tools ## the PDF edition -> _build/pdf/<name>.pdf, linked from _build/html
	$(PY) -m kzcn pdf

# pytest exits 5 when it collected no tests: that is a broken suite, not a pass,
# so the exit code is reported explicitly instead of being hidden by a wrapper.
test: venv browser pdf-tools ## run the whole test suite (unit, integration, pipeline, browser, PDF)
	@rc=0; $(PY) -m pytest $(TEST_ARGS) || rc=$$?; \
	if [ $$rc = 5 ]; then echo "make test: pytest collected no tests - failing" >&2; fi; \
	exit $$rc

lint: venv ## ruff check + ruff format --check on the whole tree
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: venv ## apply ruff format
	$(PY) -m ruff format .

lock: venv ## regenerate the pinned requirements.txt from requirements.in (uv pip compile, keeps current pins)
	$(VENV)/bin/uv pip compile --quiet --strip-extras --python-version 3.11 requirements.in -o requirements.txt

bench: venv ## cold parse (+ table hashes), then clean / no-change / prose / code / raw-file builds vs jupyter-book
	$(PY) benchmarks/parse.py --reference
	$(PY) benchmarks/build.py

# `make serve PORT=8001`; PARTNER=UZB serves that variant.
PORT ?= 8000
serve: venv ## serve the book on 127.0.0.1:$(PORT), rebuild on save, reload the browser page
	$(PY) -m kzcn.serve --port $(PORT) $(if $(PARTNER),--country $(PARTNER)) $(if $(JOBS),--jobs $(JOBS))
# JupyterLab (pinned in requirements.txt) on 127.0.0.1 only, with the project's
# kernel "kzcn" (this .venv: the kzcn package and its pinned dependencies).
LAB_PORT ?= 8888
KERNEL_NAME := kzcn

kernel: venv ## install the Jupyter kernel "kzcn" (this .venv) for JupyterLab and papermill
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL_NAME) --display-name "Python (kzcn)"

lab: kernel ## JupyterLab on http://127.0.0.1:8888 (LAB_PORT=...) with the kzcn kernel (run a chapter: Run > Run All Cells)
	$(PY) -m jupyter lab --no-browser $(if $(filter 0,$(shell id -u)),--allow-root) \
	  --ServerApp.ip=127.0.0.1 --ServerApp.port=$(LAB_PORT) \
	  --ServerApp.root_dir="$(CURDIR)" --MappingKernelManager.default_kernel_name=$(KERNEL_NAME) \
	  notebooks/01_chapter1.ipynb

clean: ## remove the build output (_build/); keeps downloaded data and .venv
	rm -rf _build

distclean: clean ## also remove downloaded/processed data caches and .venv
	rm -rf data/raw data/processed $(VENV)
