# Two commands do everything: `make report` renders the book, `make test` runs the tests.
# Each creates .venv from the pinned set (requirements.txt) when it is missing or stale.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export QUARTO_PYTHON := $(CURDIR)/$(PY)

.PHONY: report test check ledger bench clean

report: $(STAMP)
	$(PY) -m rederive render

test: $(STAMP)
	$(PY) -m pytest

check: $(STAMP)
	$(PY) -m rederive check

ledger: $(STAMP)
	$(PY) -m rederive ledger --format csv --output _book/ledger.csv

bench: $(STAMP)
	$(PY) benchmarks/run.py

$(STAMP): requirements.txt pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

clean:
	rm -rf _book _book.tmp* _book.old* .quarto figures/*.png figures/*.pdf
