# Two commands do everything: `make report` renders the book, `make test` runs the tests.
# Each creates .venv from the pinned set (requirements.txt) when it is missing or stale.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export QUARTO_PYTHON := $(CURDIR)/$(PY)

.PHONY: report test check coverage mutation ledger bench clean browser release engine-bytecode

report: $(STAMP) engine-bytecode
	$(PY) -m rederive render

test: $(STAMP) engine-bytecode browser
	$(PY) -m pytest

# The engine's own bytecode: src/ is installed editable, so no install writes it, and Python does not
# under PYTHONDONTWRITEBYTECODE; written here for the files changed since, so that every process
# (the render, its check, each chapter's kernel) loads rederive's modules instead of compiling them
# (an unchanged re-render 1.86 -> 1.61 s, medians of 4 in turns).
engine-bytecode: $(STAMP)
	@$(PY) -m compileall -q src

# The browser test drives Debian's Chromium (its headless shell, chromium-headless-shell) and
# injects axe-core (npm, pinned in package.json and package-lock.json) into each page. Installed
# here when missing (apt as root, npm ci); otherwise the tests that need them skip and say why.
# (The PDF tests read the PDF with PyMuPDF and pypdf, pip packages: no poppler.)
browser:
	@command -v chromium-headless-shell >/dev/null || { [ "$$(id -u)" = 0 ] && \
	  command -v apt-get >/dev/null && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell >/dev/null; } || \
	  echo "chromium-headless-shell could not be installed: the browser tests will skip"
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

# A release: `make release VERSION=x.y.z` bumps the version (pyproject.toml, which the front page's
# "How to cite" reads, and CITATION.cff), records the ledger as releases/x.y.z.json (what
# `rederive diff` and the "What changed" appendix compare with), commits, and tags vx.y.z.
release: $(STAMP)
	@test -n "$(VERSION)" || { echo "usage: make release VERSION=x.y.z"; exit 2; }
	$(PY) -m rederive release $(VERSION)
	git add pyproject.toml CITATION.cff releases/$(VERSION).json
	git commit -m "Release $(VERSION): version bumped, its ledger recorded (releases/$(VERSION).json)"
	git tag -a v$(VERSION) -m "Release $(VERSION)"

bench: $(STAMP) engine-bytecode
	$(PY) benchmarks/run.py

# Setup: uv (PyPI ships it as one binary wheel, pinned here) installs the pinned set in seconds;
# where uv cannot be installed or fails, pip does the same job, only slower. Both write the
# packages' bytecode at install (uv only when asked: --compile-bytecode), as Python does not
# write it itself under PYTHONDONTWRITEBYTECODE: without it, every process (the render, each
# chapter's kernel, each test's subprocess) compiles pandas, IPython... from source again, some
# seconds each. The Makefile is a prerequisite because it says how the packages are installed.
UV_VERSION := 0.13.9
$(STAMP): requirements.txt pyproject.toml Makefile
	rm -rf $(VENV)
	python3 -m venv $(VENV)
	@if $(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION) 2>/dev/null && \
	    $(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(PY) -r requirements.txt && \
	    $(VENV)/bin/uv pip install --quiet --python $(PY) --no-deps -e . ; then \
	  echo "setup: installed with uv $(UV_VERSION)"; \
	else \
	  echo "setup: uv unavailable or failed, installing with pip"; \
	  $(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt && \
	  $(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e . ; \
	fi
	touch $(STAMP)

clean:
	rm -rf _book _book.tmp* _book.old* .quarto .rederive figures/*.png figures/*.pdf
