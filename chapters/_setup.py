"""Every chapter's first cell runs this file (`%run chapters/_setup.py`), as well-known Quarto
books source a common setup: the imports chapters use, the report loaded once for the render
(the ledger the pre-render check saved), and one figure style.

Chapters read from `R` and format with `fmt` and `say`; they compute no result of their own.
A ledger number in prose is written `n("id")` (linked to its ledger row, with its card);
`f("id")` is the same number as plain text, for code (tables, captions).
"""
import itertools
import matplotlib.pyplot as plt  # noqa: F401
import pandas as pd  # noqa: F401
from IPython.display import Markdown  # noqa: F401

from rederive import formatting as fmt  # noqa: F401
from rederive import judgements as say  # noqa: F401
from rederive import outcomes  # noqa: F401
from rederive.figures import COLOURS, ENDPOINT_STYLE, FAINT, GUIDE, SOURCE_COLOURS, apply_style, save_figure  # noqa: F401
from rederive.report import Report, glossary_link, interactive_table, md_code, md_list, md_table  # noqa: F401

R = Report.load()
f = R.fmt
_uses = itertools.count(1)  # each linked number's card gets an id of its own on the page


def n(row_id: str, show: str = "printed", page_folder: str = "chapters"):
    """A ledger number in prose, linked to its row (Report.number); `show`: "printed", "lower",
    "estimate", "derived" or "p". A sentence built in code of several: Markdown(f"... {n('a')} ...")."""
    return R.number(row_id, show, use=next(_uses), page_folder=page_folder)


def term(word: str) -> str:
    """A glossary term's first use on a chapter page, linked to its entry (rederive.glossary)."""
    return glossary_link(word)


apply_style()
