# `make run` runs the default study, `make test` the test suite. Both create .venv
# with Python 3.12+ and install the project into it on first use (see bootstrap.py).
PYTHON ?= $(shell command -v python3.12 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test bench lint clean

# bootstrap.py is the route without make (Windows too); make uses the same install steps:
# a venv, then the project with the pinned versions of constraints.txt.
$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) bootstrap.py install

run: $(VENV)/.installed
	$(PY) run.py

# The fast tier runs on every core (pytest-xdist); every test (SHEQU_ALL_TESTS=1, as CI) in one process.
test: $(VENV)/.installed
	$(PY) -m pytest -q $(if $(filter 1,$(SHEQU_ALL_TESTS)),,-n auto)

bench: $(VENV)/.installed
	$(PY) benchmarks/run.py

lint: $(VENV)/.installed
	$(PY) -m ruff check .

clean:
	rm -rf $(VENV) results
