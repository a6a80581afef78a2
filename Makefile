# `make run`: install and start the app on the embedded demo database (generated on first use).
# `make test`: install (Python packages, PostgreSQL and Chromium when possible) and run the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt | cksum | cut -d' ' -f1)

.PHONY: install run test system-deps demo-data bench dev

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

dev: install
	$(BIN)/pip install -q -r requirements-dev.txt

system-deps:
	bash scripts/system_deps.sh

demo-data: install
	$(BIN)/python -c "from sample_data import ensure_demo_database; ensure_demo_database()"

run: install demo-data
	$(BIN)/streamlit run app.py

test: dev system-deps
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup

bench: install
	$(BIN)/python benchmarks/run.py
