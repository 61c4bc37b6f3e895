"""Register text shown as text, never as markup: one function for every output format.

Notes, locations, quotes and ids reach the book through Markdown (tables, findings lists), which
pandoc turns into HTML and Typst. Escaping them for Markdown is enough for both: pandoc's
writers escape a literal "<" or "&" for HTML and a literal "#" or "$" for Typst themselves, so a
register note holding `<script>`, `@name`, `*`, `_` or backticks is printed as those characters
in every format. Pandoc's Markdown reads a backslash before any ASCII punctuation as that
character, literally; this escapes every punctuation character that could start markup.
"""
from __future__ import annotations

import re

# Characters that start inline markup in pandoc's Markdown (emphasis, code, links, spans, raw
# HTML, entities, citations, math, sub- and superscript, table cells, strike-out). Parentheses,
# quotes and hyphens stay as they are: alone they start nothing, and quotes keep their curly form.
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#+!|@$~^&])")


def markdown(text: object) -> str:
    """`text` as literal Markdown: markup characters backslash-escaped, line breaks as spaces."""
    flat = " ".join(str(text).split())
    return _SPECIAL.sub(r"\\\1", flat)
