# plansearch — every target does its own set-up on a fresh machine.
#   make report   build the bundled corpus and write alignment reports into reports/
#   make test     run the test suite: real model and headless browser included, the
#                 minutes-long "slow" tests left to `make test-all` (installs the browser)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup browser report ingest test test-all test-fast fuzz lint typecheck bench clean

setup: $(STAMP)

# torch==2.13.0 first: any other torch request pulls several GB of CUDA wheels.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev,bench]'
	touch $(STAMP)

# Debian packages the tests use: Chromium (headless browser tests of the HTML report and
# the workbench), Thai fonts, LibreOffice Writer (PDF/.doc fixtures made from the seeds) and
# Tesseract with Thai data (the optional OCR path). Installed once; skipped when present.
SYSTEM_PACKAGES := chromium fonts-thai-tlwg libreoffice-writer-nogui tesseract-ocr tesseract-ocr-tha
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v soffice >/dev/null 2>&1 \
	    || ! command -v tesseract >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q \
	    $(SYSTEM_PACKAGES); \
	fi

report: setup
	$(BIN)/plansearch run corpus/raw --index indexes/default --out reports

ingest: setup
	$(BIN)/plansearch ingest corpus/raw --out corpus/sections.jsonl

test: setup browser
	$(BIN)/python -m pytest -q -m "not slow"

# everything, the slow tests too: the whole PDF layout matrix, issue-sized bombs and
# uploads, the 20 MB parse (about 15 minutes on 2 cores with an empty layout cache)
test-all: setup browser
	$(BIN)/python -m pytest -q

test-fast: setup
	$(BIN)/python -m pytest -q -m "not model and not browser and not slow"

# the fuzz suite with many random examples (the default run uses few, derandomized)
fuzz: setup
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q -m "not model and not browser" -k "fuzz or propert" tests

lint: setup
	$(BIN)/ruff check plansearch tests benchmarks
	$(BIN)/ruff format --check plansearch tests benchmarks

typecheck: setup
	$(BIN)/mypy

bench: setup
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) reports .pytest_cache .mypy_cache .ruff_cache
