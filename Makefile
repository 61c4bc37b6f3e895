# Two commands do everything: `make report` renders the book, `make test` runs the tests.
# Each creates .venv from the pinned set (requirements.txt) when it is missing or stale.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export QUARTO_PYTHON := $(CURDIR)/$(PY)

.PHONY: report test check coverage mutation ledger bench clean browser

report: $(STAMP)
	$(PY) -m rederive render

test: $(STAMP) browser
	$(PY) -m pytest

# The browser test drives Debian's Chromium and injects axe-core (npm, pinned in package.json and
# package-lock.json) into each page; the PDF tests read text with poppler's pdftotext. Installed
# here when missing (apt as root, npm ci); otherwise the tests that need them skip and say why.
browser:
	@{ command -v chromium >/dev/null && command -v pdftotext >/dev/null; } || { [ "$$(id -u)" = 0 ] && \
	  command -v apt-get >/dev/null && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null; } || \
	  echo "chromium or poppler-utils could not be installed: the tests that need them will skip"
	@[ -f node_modules/axe-core/axe.min.js ] || { command -v npm >/dev/null && npm ci --no-audit --no-fund --silent; } || \
	  echo "axe-core could not be installed (npm ci): the accessibility test will skip"

check: $(STAMP)
	$(PY) -m rederive check

# Where the source documents are present (../shared/seeds/): is every printed number registered
# or excluded with a reason (data/<source>/exclusions.csv)?
coverage: $(STAMP)
	$(PY) -m rederive coverage

# Perturb every printed number by one unit of its last digit: is each caught by check (or the
# quote test)? Prints the table per source; exits 1 if any claim's mutation gets through.
mutation: $(STAMP)
	$(PY) -m rederive mutation

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
	rm -rf _book _book.tmp* _book.old* .quarto .rederive figures/*.png figures/*.pdf
