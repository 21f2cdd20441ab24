# mediawatch: set-up, demo, tests and benchmarks. Needs only python3 on the machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install browser demo test test-slow bench messages mutation lint clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/mediawatch demo

# The browser tests drive Debian's Chromium (Playwright's own browser downloads are not used).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "chromium is missing: the browser tests will be skipped (sudo apt-get install chromium)"; \
	  fi; }

# Two worker processes, each test module kept whole in one (its fixtures are made once).
test: $(STAMP) browser
	$(BIN)/python -m pytest -q -n 2 --dist loadscope

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

bench: $(STAMP)
	$(BIN)/python bench/run.py

# The reading room's messages: web/locales/messages.pot from the templates, merged into the ru and
# kk .po sources (new messages arrive untranslated; translate them there).
messages: $(STAMP)
	$(BIN)/python -m web.catalogues
	$(BIN)/python -m web.catalogues --check

# Mutation testing of the core modules, one at a time (slow: not part of make test or CI).
mutation: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[mutation]'
	$(BIN)/python tools/mutation.py

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
