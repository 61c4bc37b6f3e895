"""The two inline-expression forms Quarto does not evaluate, refused before anything runs.

Observed with Quarto 1.10.18 (../shared/QUARTO-NOTES.md): an inline expression placed directly
after another (`` `{python} a``{python} b` ``) is printed as source text, because Quarto's inline
pattern needs a character other than a backtick before the opening backtick; and an expression
whose value is an empty string (or another falsy value) is replaced by its own source text. The
fallback evaluates both, so it would accept what Quarto renders wrongly: it refuses them instead,
naming file and line. An expression that can give an empty string is refused by its text (a
literal "" or '' in it), whichever branch this render takes; one that does give a falsy value is
refused when it is evaluated (rederive.render.execute).
"""
from __future__ import annotations

import re
from pathlib import Path

from .errors import RenderError

_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
_INLINE = re.compile(r"`\{python\}\s+([^`]+?)\s*`")
_EMPTY_LITERAL = re.compile(r"(?<![\w\"'])(\"\"|'')(?![\w\"'])")


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def problems(text: str, rel: str) -> list[str]:
    """One line per inline expression of a .qmd text that Quarto would print as source text."""
    prose = _FENCE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)  # code blocks blanked, lines kept
    out = []
    for m in _INLINE.finditer(prose):
        where = f"{rel}:{line_of(prose, m.start())}"
        if m.start() > 0 and prose[m.start() - 1] == "`":
            out.append(f"{where}: inline expression `{m.group(1)}` follows another directly; Quarto prints it "
                       "as source text (put a character between them, or make them one expression)")
        if _EMPTY_LITERAL.search(m.group(1)):
            out.append(f"{where}: inline expression `{m.group(1)}` can give an empty string, which Quarto "
                       "prints as the expression's source text (make the text around it part of the value)")
    return out


def without_inline_expressions(markdown: str) -> str:
    """Prose before it runs: each inline expression taken out with the word it is part of (its
    value, unknown yet, could make that word a cross-reference or a citation, or stop it being one)."""
    return re.sub(r"\S*" + _INLINE.pattern + r"\S*", " ", markdown)


def check_inline_expressions(root: Path, rel: str) -> None:
    found = problems((root / rel).read_text(encoding="utf-8"), rel)
    if found:
        raise RenderError("\n".join(found))


def line_of_expression(root: Path, rel: str, expression: str) -> int | None:
    """The line of a chapter where an inline expression is written (its first occurrence)."""
    text = (root / rel).read_text(encoding="utf-8")
    offset = text.find(expression)
    return line_of(text, offset) if offset >= 0 else None
