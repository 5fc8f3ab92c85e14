# Two commands do everything: `make run` and `make test`. See README.md.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
# Use the uv on PATH, or install one into var/tools with pip.
UV ?= $(shell command -v uv 2>/dev/null || echo var/tools/bin/uv)
RUN := $(UV) run --frozen
PYTEST_ARGS ?=
# Test processes (pytest-xdist): one per core, at most four; WORKERS=0 runs the tests in this
# process. A test file stays on one worker (its module fixtures start servers once).
WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); echo $$(( n > 4 ? 4 : n )))
XDIST := -n $(WORKERS) --dist loadfile

.PHONY: run screenshots install test lint check-migrations check-translations pytest pytest-postgres \
        system-deps messages assets format clean

# `make run LAN=1`: a trial in a room; phones on the same network join (see README).
LAN_FLAG := $(if $(LAN),--lan,)

run: install
	$(RUN) gesprekskaarten demo $(LAN_FLAG)
	$(RUN) gesprekskaarten serve $(LAN_FLAG)

# Screenshots of a demo gesprek for the README, with the browser the tests use.
screenshots: install
	$(RUN) python scripts/screenshots.py

var/tools/bin/uv:
	python3 -m venv var/tools
	var/tools/bin/pip install --quiet uv

install: $(UV)
	$(UV) sync --frozen --quiet

test: install system-deps lint check-migrations check-translations pytest pytest-postgres

# Debian packages the tests need (Chromium, fonts, gettext, PostgreSQL, Redis). Installed only
# when missing and only when we are root on Debian; otherwise the tests say what they skip.
system-deps:
	@bash scripts/system-deps.sh

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	@# The committed CSS must be what scripts/build-assets.mjs builds from the pinned packages.
	@if command -v npm >/dev/null; then \
		[ -d node_modules ] || npm ci --no-audit --no-fund --silent; \
		node scripts/build-assets.mjs --check; \
	else echo "npm not found: not checking that the built CSS is up to date"; fi

check-migrations: install
	$(RUN) gesprekskaarten manage makemigrations --check --dry-run

check-translations: install
	$(RUN) python scripts/check_translations.py

pytest: install
	@# The Nu HTML Checker (vnu-jar, pinned in package.json) for tests/meetings/test_html_validity.py.
	@if command -v npm >/dev/null && [ ! -f node_modules/vnu-jar/build/dist/vnu.jar ]; then \
		npm ci --no-audit --no-fund --silent; fi
	$(RUN) pytest $(XDIST) $(PYTEST_ARGS)

# The database tests again on a throwaway PostgreSQL cluster (e2e tests run once, on SQLite).
pytest-postgres: install
	bash scripts/with-postgres.sh $(RUN) pytest -m "not e2e" $(XDIST) $(PYTEST_ARGS)

# Extract and compile the interface translations after changing texts.
messages: install
	$(RUN) python scripts/check_translations.py --update
	$(RUN) --directory src/gesprekskaarten gesprekskaarten manage compilemessages

# Rebuild the vendored NL Design System CSS from the versions pinned in package.json.
assets:
	npm ci --no-audit --no-fund
	node scripts/build-assets.mjs

format: install
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

clean:
	rm -rf var .pytest_cache .ruff_cache
