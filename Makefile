# The two commands of the README's quick start: `make demo` and `make test`.
# Both set up a virtual environment in .venv on first use; nothing is installed system-wide
# except, for the browser test, Debian's chromium when it is missing (see tests/README.md).
# `make test` also installs Azurite (npm, pinned in tests/support/azurite.py) into .cache/.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat setup.cfg pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test install azurite clean

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

test: $(STAMP) azurite
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) .cache build *.egg-info .pytest_cache
