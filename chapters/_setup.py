"""Every chapter's first cell runs this file (`%run chapters/_setup.py`), as well-known Quarto
books source a common setup: the imports chapters use, the report loaded once for the render
(the ledger the pre-render check saved), and one figure style.

Chapters read from `R` and format with `fmt` and `say`; they compute no result of their own.
"""
import matplotlib.pyplot as plt  # noqa: F401
import pandas as pd  # noqa: F401

from rederive import formatting as fmt  # noqa: F401
from rederive import judgements as say  # noqa: F401
from rederive import outcomes  # noqa: F401
from rederive.figures import COLOURS, ENDPOINT_STYLE, FAINT, GUIDE, SOURCE_COLOURS, apply_style, save_figure  # noqa: F401
from rederive.report import Report, glossary_link, interactive_table, md_code, md_list, md_table  # noqa: F401

R = Report.load()
f = R.fmt


def term(word: str) -> str:
    """A glossary term's first use on a chapter page, linked to its entry (rederive.glossary)."""
    return glossary_link(word)


apply_style()
