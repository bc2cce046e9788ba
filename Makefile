# wbsetup — `make run` serves the wizard; `make test` installs what the tests need and runs them all.
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: run test test-fast bench system-deps lint clean demo i18n dist

# Installs are quiet: pip's output (and the build backend's) goes to $(VENV)/install.log, shown only on failure.
INSTALL_LOG := $(VENV)/install.log
PIP_QUIET   := -q --disable-pip-version-check --no-input

$(STAMP): pyproject.toml
	@echo "wbsetup: installing into $(VENV) (log: $(INSTALL_LOG))"
	@$(PY) -m venv $(VENV)
	@$(BIN)/pip install $(PIP_QUIET) --upgrade pip > $(INSTALL_LOG) 2>&1 || { cat $(INSTALL_LOG); exit 1; }
	@$(BIN)/pip install $(PIP_QUIET) -e '.[test]' >> $(INSTALL_LOG) 2>&1 || { cat $(INSTALL_LOG); exit 1; }
	@touch $@

# The wheel, the sdist (which builds the same wheel) and dist/wheelhouse/ for offline installs (SPEC §9).
dist: $(STAMP)
	PY=$(BIN)/python sh scripts/dist.sh dist

run: $(STAMP)
	$(BIN)/wbsetup serve

demo: $(STAMP)
	$(BIN)/wbsetup demo

# MariaDB, Chromium and docker-compose from Debian's packages when missing (as root).
system-deps:
	@sh scripts/system-deps.sh

# Lint (ruff), layout (ruff format --check), types (mypy on app/), import directions (import-linter
# contracts) and the Dockerfile (hadolint); settings in pyproject.toml. `make test` runs this first.
lint: $(STAMP)
	$(BIN)/ruff check app
	$(BIN)/ruff format --check app tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/hadolint Dockerfile

# axe-core (npm) for the accessibility test; a test-only dependency, not served by the app.
.test-deps/node_modules/axe-core/axe.min.js:
	npm install --silent --no-audit --no-fund --prefix .test-deps axe-core@4.11

# W&B's real operator-wandb chart is read by a real helm (offline copy from ../shared/upstream, see its README).
HELM_SRC := $(firstword $(wildcard ../shared/upstream/get-helm $(WBSETUP_UPSTREAM)/get-helm))
.test-deps/bin/helm:
	@if [ -n "$(HELM_SRC)" ]; then bash $(HELM_SRC) $@; else echo "helm: ../shared/upstream not found; the chart tests will say so"; fi

test: $(STAMP) system-deps lint .test-deps/node_modules/axe-core/axe.min.js .test-deps/bin/helm
	$(BIN)/pytest

# The inner loop: no browser, no service process, nothing slow (markers in tests/conftest.py and
# pyproject.toml); `make test` still runs everything.
test-fast: $(STAMP)
	$(BIN)/pytest -q -m "not browser and not services and not slow"

bench: $(STAMP) system-deps
	$(BIN)/python -m bench

# Re-extract the UI strings into the catalog (then translate the new entries in
# app/i18n/locale/ko/LC_MESSAGES/messages.po). Every text is declared where it is written (babel.cfg:
# msg(), nmsg(), N_(), the templates, the requirement files); nothing is generated. The app compiles
# the .po in memory: no .mo to build. On a clean tree this changes nothing (tests/test_i18n.py).
i18n: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output --omit-header -o app/i18n/locale/messages.pot .
	$(BIN)/pybabel update -i app/i18n/locale/messages.pot -d app/i18n/locale -l ko --no-wrap --ignore-obsolete --ignore-pot-creation-date

clean:
	rm -rf $(VENV) .test-services dist
