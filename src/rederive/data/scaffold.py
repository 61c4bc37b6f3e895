"""`python -m rederive new-source NAME`: everything a new source needs, empty but valid.

Writes data/NAME/ (source.yml, claims.csv and exclusions.csv with their headers),
src/rederive/sources/NAME.py (derive), src/rederive/analyses/NAME.py (no results yet), a chapter
chapters/NAME.qmd with the standard sections, its place in _quarto.yml (before the synthesis)
and a references.bib entry to complete. It refuses to overwrite anything. The README's "Adding a
source" says what to fill in, in order.
"""
from __future__ import annotations

import re
from pathlib import Path

from ..core.files import write_atomically
from .exclusions import COLUMNS as EXCLUSION_COLUMNS
from .register import COLUMNS as REGISTER_COLUMNS

SOURCE_YML = """\
# The source behind data/{id}/: {title}
id: {id}
short: {short}
title: {title}
seed: {seed}
citation: {id}
"""

SOURCE_MODULE = '''"""{short}: the derivations of its claims (one Derivation per claim whose check reads other inputs)."""


def derive(x):
    d = x.derivations()
    # For every claim in data/{id}/claims.csv whose check needs other inputs, read each input
    # just before the claim that uses it, e.g.:
    #   d["{id}_orr"] = Percent(x.n("{id}_responders"), x.n("{id}_n"))   (rederive.checks.derivations)
    return d
'''

ANALYSES_MODULE = '''"""{short}: the report's own results from its numbers (each pinned in data/analyses.csv)."""
from __future__ import annotations

ANALYSES = {{}}  # name -> function(inputs) returning the result; `python -m rederive pin` pins it
'''

CHAPTER = '''# {short}: {title} {{#sec-{id}}}

```{{python}}
#| include: false
%run chapters/_setup.py
SOURCE = "{id}"
R.assert_as_expected(SOURCE)
```

What the source is and whom it describes [@{id}]. This report takes
`{{python}} str(R.count(SOURCE) - R.count(SOURCE, role="analysis"))` numbers from it, of which
`{{python}} str(R.count(SOURCE, role="claim"))` are re-derived or cross-checked.

## What reproduces {{#sec-{id}-reproduces}}

The source's headline numbers, each shown with `f("id")` from the register.

## What did not reproduce {{#sec-{id}-findings}}

```{{python}}
#| echo: false
R.findings_list(SOURCE) if R.findings(SOURCE) else md_list(["Every checked number reproduces."])
```

## What a clinician can take from it {{#sec-{id}-takeaway}}

The source's numbers in clinical terms, with what the checks above allow.
'''

BIB = """
@misc{{{id},
  title = {{{title}}},
  note = {{Complete this entry: authors, journal, year, DOI}}
}}
"""


class ScaffoldError(Exception):
    pass


def new_source(root: Path, name: str, seed: str, short: str | None, title: str | None) -> list[str]:
    """Write the new source's files; return their paths. Raises ScaffoldError naming the problem."""
    if not re.fullmatch(r"[a-z][a-z0-9]*", name):
        raise ScaffoldError(f"NAME must be lower-case letters and digits, starting with a letter (e.g. smith2026), not {name!r}")
    short = short or name
    title = title or f"{short} (title to complete)"
    files = {
        f"data/{name}/source.yml": SOURCE_YML.format(id=name, short=short, title=title, seed=seed),
        f"data/{name}/claims.csv": ",".join(REGISTER_COLUMNS) + "\n",
        f"data/{name}/exclusions.csv": ",".join(EXCLUSION_COLUMNS) + "\n",
        f"src/rederive/sources/{name}.py": SOURCE_MODULE.format(id=name, short=short),
        f"src/rederive/analyses/{name}.py": ANALYSES_MODULE.format(short=short),
        f"chapters/{name}.qmd": CHAPTER.format(id=name, short=short, title=title),
    }
    existing = [f for f in files if (root / f).exists()]
    if existing:
        raise ScaffoldError(f"already exists, nothing written: {', '.join(existing)}")
    quarto = (root / "_quarto.yml").read_text(encoding="utf-8")
    anchor = "    - chapters/synthesis.qmd\n"
    if anchor not in quarto:
        raise ScaffoldError("_quarto.yml: no chapters/synthesis.qmd entry to place the new chapter before")
    bib = (root / "references.bib").read_text(encoding="utf-8")
    if re.search(rf"@\w+\{{{name},", bib):
        raise ScaffoldError(f"references.bib already has the key {name!r}, nothing written")
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        write_atomically(root / rel, text)
    write_atomically(root / "_quarto.yml", quarto.replace(anchor, f"    - chapters/{name}.qmd\n" + anchor))
    write_atomically(root / "references.bib", bib.rstrip("\n") + "\n" + BIB.format(id=name, title=title))
    return [*files, "_quarto.yml", "references.bib"]
