# The README's two commands: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

# Playwright drives Debian's chromium in the browser tests; it must never download its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
CHROMIUM := /usr/bin/chromium

.PHONY: demo test lint install clean browser

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/driftlab demo $(ARGS)

# The dashboard and report browser tests need $(CHROMIUM). As root with apt-get (CI), install
# Debian's package; elsewhere say why those tests will skip.
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y --no-install-recommends chromium \
	      || (apt-get update && apt-get install -y --no-install-recommends chromium) \
	      || echo "note: could not install chromium; the browser tests will skip"; \
	  else \
	    echo "note: $(CHROMIUM) is missing and this is not root with apt-get;" \
	      "the browser tests will skip (install Debian's chromium package to run them)"; \
	  fi; \
	fi

test: $(STAMP) browser
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/python -m pytest $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/ruff format --check src tests $(wildcard bench)

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info src/*.egg-info driftlab-demo
