# The two commands of the README's quick start: `make demo` and `make test`.
# Both set up a virtual environment in .venv on first use; nothing is installed system-wide
# except, for the HTML report's browser test, Debian's chromium and chromium-driver when they
# are missing (the `browser` target: apt-get as root, otherwise it says what to install).
# `make test` also installs Azurite (npm, pinned in tests/support/azurite.py) into .cache/.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat setup.cfg pyproject.toml | cksum | cut -d' ' -f1)

CHROMIUM_PACKAGES := chromium chromium-driver

.PHONY: demo test install browser azurite clean bench

$(STAMP): setup.cfg pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/cloudaudit demo

azurite: $(STAMP)
	$(BIN)/python -m tests.support.azurite

browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's $(CHROMIUM_PACKAGES) for the HTML report test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(CHROMIUM_PACKAGES) >/dev/null; \
	else \
		echo "the HTML report test needs /usr/bin/chromium and /usr/bin/chromedriver: sudo apt-get install $(CHROMIUM_PACKAGES)" >&2; exit 1; \
	fi

test: $(STAMP) browser azurite
	$(BIN)/python -m pytest -q

# The scan benchmark (bench/README.md), with the same .venv: `make bench BENCH_ARGS="-n 100"`
# for a short run, `make bench BENCH_ARGS=--help` for the knobs.
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .cache build *.egg-info .pytest_cache
