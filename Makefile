# Fairway: `make run` serves the app on http://127.0.0.1:5000 with no services needed;
# `make test` runs every test (real PostgreSQL/Redis when TEST_DATABASE_URL/TEST_REDIS_URL are set),
# in PYTEST_WORKERS parallel processes (pytest-xdist; 0 runs them in this one).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= 2
# pyproject.toml names the dependencies; the lock files pin them (requirements.lock: the app,
# which the Docker image installs; requirements-dev.lock: the app and the tools, for here and CI).
COMPILE := $(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links

.PHONY: run test lint lock worker migrate bench screenshots vendor vendor-axe clean

$(STAMP): pyproject.toml requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements-dev.lock -e '.[dev]'
	touch $(STAMP)

# After a change to the dependencies in pyproject.toml: pin them again, then reinstall.
lock:
	test -x $(BIN)/pip-compile || { $(PYTHON) -m venv $(VENV) && $(BIN)/pip install --quiet pip-tools; }
	$(COMPILE) --output-file requirements.lock pyproject.toml
	$(COMPILE) --extra dev --constraint requirements.lock --output-file requirements-dev.lock pyproject.toml

migrate: $(STAMP)
	$(BIN)/flask --app wsgi db upgrade

run: migrate
	$(BIN)/flask --app wsgi courses seed
	$(BIN)/flask --app wsgi run --host 127.0.0.1 --port 5000

test: $(STAMP)
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy app

worker: $(STAMP)
	$(BIN)/flask --app wsgi worker

# Photographs of the key pages at 375 px and 1280 px for the README (needs /usr/bin/chromium).
screenshots: $(STAMP)
	FAIRWAY_SCREENSHOTS_DIR=docs/screenshots $(BIN)/pytest -q tests/browser/test_layout.py

bench: $(STAMP)
	$(BIN)/python -m bench

# htmx, pinned: `make vendor` fetches the npm package and commits its minified file and licence
# under static/vendor/htmx/ (the only front-end dependency; no build step).
HTMX_VERSION := 2.0.11
vendor:
	rm -rf .vendor-tmp && mkdir -p .vendor-tmp static/vendor/htmx
	cd .vendor-tmp && npm pack --silent htmx.org@$(HTMX_VERSION) && tar xzf htmx.org-$(HTMX_VERSION).tgz
	cp .vendor-tmp/package/dist/htmx.min.js .vendor-tmp/package/LICENSE static/vendor/htmx/
	echo "htmx.org $(HTMX_VERSION) from the npm registry (make vendor)" > static/vendor/htmx/VERSION
	rm -rf .vendor-tmp

# axe-core, pinned, for the accessibility checks of the browser tests only (never served):
# `make vendor-axe` fetches the npm package into tests/browser/vendor/axe-core/.
AXE_VERSION := 4.14.1
vendor-axe:
	rm -rf .vendor-tmp && mkdir -p .vendor-tmp tests/browser/vendor/axe-core
	cd .vendor-tmp && npm pack --silent axe-core@$(AXE_VERSION) && tar xzf axe-core-$(AXE_VERSION).tgz
	cp .vendor-tmp/package/axe.min.js .vendor-tmp/package/LICENSE tests/browser/vendor/axe-core/
	echo "axe-core $(AXE_VERSION) from the npm registry (make vendor-axe)" > tests/browser/vendor/axe-core/VERSION
	rm -rf .vendor-tmp

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
