# Two set-up commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test venv browser postgres check bench bench-spark clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,spark,postgres]'
	touch $(STAMP)

venv: $(STAMP)

## Screen the bundled sample chart extract; writes out/demo/results.jsonl and out/demo/report.html
demo: $(STAMP)
	$(BIN)/screener demo --out out/demo

## Headless Chromium for the browser tests (Debian packages; needs root or sudo)
browser:
	@command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || \
	  { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null \
	    || echo "warning: could not install chromium; browser tests will be skipped"; }

## PostgreSQL server binaries for the worklist tests (Debian packages; the tests start their own server)
postgres:
	@command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	  { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq postgresql >/dev/null \
	    || echo "warning: could not install postgresql; the PostgreSQL worklist tests will be skipped"; }

## The whole test suite (unit, golden cases, notebooks, browser, Spark, PostgreSQL)
test: $(STAMP) browser postgres
	$(BIN)/python -m pytest

## Validate every rule file
check: $(STAMP)
	$(BIN)/screener rules check

## Throughput benchmark (prints tokens/s and ratios against baselines in the same process)
bench: $(STAMP)
	$(BIN)/python benchmarks/throughput.py

## Spark throughput, local[1] and local[2] (docs/spark.md; needs Java 17 or 21)
bench-spark: $(STAMP)
	$(BIN)/python benchmarks/spark_throughput.py --notes 2000 --cores 1,2

clean:
	rm -rf $(VENV) out build dist .pytest_cache
