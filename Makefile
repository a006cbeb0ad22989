# The two commands of the README's quick start: `make demo` and `make test`.
# Both set up a virtual environment in .venv on first use; nothing is installed system-wide
# except, for the browser test, Debian's chromium when it is missing (see tests/README.md).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat setup.cfg pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test install clean bench

$(STAMP): setup.cfg pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/cloudaudit demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

# The scan benchmark (bench/README.md), with the same .venv: `make bench BENCH_ARGS="-n 100"`
# for a short run, `make bench BENCH_ARGS=--help` for the knobs.
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .cache build *.egg-info .pytest_cache
