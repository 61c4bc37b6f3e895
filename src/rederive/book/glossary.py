"""The glossary's terms, and where each page first uses them.

Every page links the first use of each term in its prose to the glossary (chapters/glossary.qmd)
through `term("...")` in an inline expression (rederive.report.glossary_link): on the web the
glossary page, in the PDF the glossary chapter of the same PDF. `first_uses` finds, in a page's
source, the first place each term occurs in prose, so a test can require that place to be a link.
"""
from __future__ import annotations

import re

# term as written -> the glossary anchor (gloss-<key>); the longer form comes first, so that
# "hazard ratio" is found before "HR" would be, and each has its own entry.
TERMS = {
    "PFS-2": "pfs2", "OS-2": "os2", "hazard ratio": "hr", "HR": "hr", "confidence interval": "ci", "CI": "ci",
    "ORR": "orr", "CR": "cr", "I²": "i2", "prediction interval": "pi", "split": "split", "reading": "reading",
    "odds ratio": "or", "Kaplan-Meier": "km", "Mantel-Haenszel": "mh", "Breslow-Day": "bd", "GRIM": "grim",
    "Egger": "egger", "CRS": "crs", "ICANS": "icans",
}
PAGE_GLOSSARY = "chapters/glossary.qmd"

_CODE_CELL = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
_INLINE = re.compile(r"`[^`\n]*`")
_LINK_TEXT = re.compile(r"\[[^\]\n]*\]\([^)\n]*\)")
_QUOTED = re.compile(r'"[^"\n]*"')  # the sources' own words, and attribute values


def _masked(text: str) -> str:
    """The page with everything that is not the page's own prose blanked out, positions kept:
    code cells, inline code, links, quoted words, headings and div fences."""
    def blank(m):
        return re.sub(r"[^\n]", " ", m.group(0))
    out = _CODE_CELL.sub(blank, text)
    for pattern in (_INLINE, _LINK_TEXT, _QUOTED):
        out = pattern.sub(blank, out)
    return "\n".join(" " * len(line) if line.lstrip().startswith(("#", ":::", "|")) else line
                     for line in out.split("\n"))


def pattern(term: str) -> re.Pattern:
    return re.compile(rf"(?<![\w-]){re.escape(term)}(?![\w²-])")


_LINKED = re.compile(r'`\{python\} term\("([^"]+)"\)`')


def first_uses(text: str) -> dict[str, tuple[int, str, bool]]:
    """For each glossary entry a page uses in its own prose or links with `term(...)`: where it
    first appears, as what, and whether that first appearance is the link."""
    prose = _masked(text)
    found: dict[str, tuple[int, str, bool]] = {}

    def keep(key, position, term, linked):
        if key not in found or position < found[key][0]:
            found[key] = (position, term, linked)
    for term, key in TERMS.items():
        m = pattern(term).search(prose)
        if m:
            keep(key, m.start(), term, False)
    for m in _LINKED.finditer(text):
        if m.group(1) in TERMS:
            keep(TERMS[m.group(1)], m.start(), m.group(1), True)
    return found
