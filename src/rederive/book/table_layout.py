"""How every table of the book is laid out: one pipe table, written so that it fits the PDF page.

Pandoc (and Quarto, which uses it) gives a pipe table relative column widths from the dashes of
its separator line when any line is longer than 72 characters, in HTML and Typst alike. What no
tool does is choose those widths from the content, which is this module: a column is never
narrower than its longest unbreakable word (so no cell runs into its neighbour in print), and the
room left over goes to the columns with the most text. A table whose unbreakable words alone do
not fit the page's width is turned (rows become columns) when that fits; otherwise it is refused,
naming its columns, so that no table is squeezed into overprinting.

The print styling that goes with it (table text size, cell inset, no justified text, a break
opportunity after each underscore of an id) is in the Typst header of _quarto.yml; the web styling
(no scroll box of its own, one horizontal scrollbar, the caption in view) in theme/book.css.
"""
from __future__ import annotations

import re

import pandas as pd

# The width a table's cells have to share, in ems of the table's text (7.5 pt): the fallback's A4
# text column is 453 pt (60 em), less each column's inset; room to spare for Quarto's margins.
PAGE_EMS = 56.0
INSET_EMS = 0.8  # 3 pt either side of each cell, at 7.5 pt
_BREAKS = re.compile(r"[\s_\u200b]+|(?<=[/-])(?=[A-Za-z])")  # where a line may break (Typst: spaces; `_` gets a zero-width space)
_NUMERIC = re.compile(r"^[<>≤≥=~]?\s*[-−–]?[\d.,]+\s*%?$")


LONGEST_WORD = 24  # characters: a longer run without a break (a URL, pasted markup) gets break points


class TableTooWide(ValueError):
    pass


def break_long_words(text: str) -> str:
    """A zero-width space every LONGEST_WORD characters of a run that has no break opportunity,
    so that it wraps in its column instead of running into the next (plain text, before escaping)."""
    def split(word: str) -> str:
        return "\u200b".join(word[i:i + LONGEST_WORD] for i in range(0, len(word), LONGEST_WORD))
    return re.sub(r"[^\s_/]{%d,}" % (LONGEST_WORD + 1), lambda m: split(m.group(0)), text)


def ems(text: str) -> float:
    """A text's width, roughly, in ems of a proportional serif font (capitals and digits wider
    than lower case). Errs wide: a column a little wider than needed costs nothing."""
    # calibrated on the fallback's PDF (Libertinus Serif at 7.5 pt: "reproducible" is 5.1 em,
    # "DESCAR-T" 4.6 em), then rounded up
    return sum(0.66 if c.isupper() or c in "MW%@" else 0.5 if c.isdigit() else 0.28 if c in " .,;:'()|!il" else 0.47
               for c in text)


def shown(markdown: str) -> str:
    """A cell's Markdown as it is shown: no attributes ({#row-x}), link targets or escapes."""
    text = re.sub(r"\{[#.][^}]*\}|\]\([^)]*\)", "", markdown)
    return re.sub(r"\\(.)", r"\1", text.replace("[", "").replace("]", ""))


def _longest_word(text: str) -> float:
    return max((ems(w) for w in _BREAKS.split(shown(text)) if w), default=0.0)


def column_widths(frame: pd.DataFrame) -> list[float] | None:
    """Each column's share of the page (summing to 1), or None when the columns' longest words
    alone do not fit the page. Each column gets at least its longest word; the room left over goes
    to the columns in proportion to how much text they hold on average (a column of notes more than
    a column of numbers), none beyond its longest cell."""
    columns = [str(c) for c in frame.columns]
    cells = [[shown(str(v)) for v in frame[c]] for c in frame.columns]
    least = [max([_longest_word(h) * 1.08] + [_longest_word(v) for v in col]) + 0.2 for h, col in zip(columns, cells)]
    wanted = [max([least_i] + [ems(v) for v in col]) for least_i, col in zip(least, cells)]
    room = PAGE_EMS - INSET_EMS * len(columns)
    if sum(least) > room:
        return None
    widths = list(least)
    weight = [max(sum(ems(v) for v in col) / max(len(col), 1), 0.1) for col in cells]
    open_ = [i for i in range(len(widths)) if widths[i] < wanted[i]]
    spare = room - sum(widths)
    while open_ and spare > 1e-6:  # share out the spare room; a column that is full passes its share on
        total = sum(weight[i] for i in open_)
        given = {i: min(spare * weight[i] / total, wanted[i] - widths[i]) for i in open_}
        for i, extra in given.items():
            widths[i] += extra
        spare -= sum(given.values())
        open_ = [i for i in open_ if widths[i] < wanted[i] - 1e-6]
    total = sum(widths)
    return [w / total for w in widths]


def turned(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows as columns: the first column's values become the header, under that column's name,
    and the other headers the first column (a wide, short table, such as one row per source, read
    down instead of across)."""
    first = frame.columns[0]
    out = frame.set_index(first).T.reset_index()
    out.columns = [str(first)] + [str(c) for c in out.columns[1:]]
    return out


def is_numeric(column: pd.Series) -> bool:
    values = [str(v) for v in column if str(v) not in ("", "nan", "None")]
    return bool(values) and all(_NUMERIC.match(v) for v in values)


def pipe_table(frame: pd.DataFrame) -> str:
    """The frame (its cells already Markdown) as a pipe table whose separator line carries the
    column widths; numeric columns right-aligned. Turned when only that makes it fit; refused
    (TableTooWide) when neither way fits."""
    widths = column_widths(frame)
    if widths is None:
        turned_frame = turned(frame)
        widths = column_widths(turned_frame)
        if widths is None:
            raise TableTooWide(f"a table with columns {', '.join(map(str, frame.columns))} does not fit a page "
                               "either way round: give it fewer columns (the detail belongs in the ledger)")
        frame = turned_frame
    dashes = [max(3, round(100 * w)) for w in widths]
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "|".join(("-" * (d - 1) + ":") if is_numeric(frame[c]) else (":" + "-" * (d - 1))
                          for c, d in zip(frame.columns, dashes)) + "|"
    body = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def _cell(value) -> str:
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return " ".join(text.split())  # cells come escaped (rederive.book.escape), "|" included
