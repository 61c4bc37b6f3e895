"""Every chapter's first cell runs this file (`%run chapters/_setup.py`), as well-known Quarto
books source a common setup: the imports chapters use, the report loaded once for the render
(the ledger the pre-render check saved). A chapter that draws runs chapters/_figures.py after it.

Chapters read from `R` and format with `fmt` and `say`; they compute no result of their own.
A ledger number in prose is written `n("id")` (linked to its ledger row, with its card);
`f("id")` is the same number as plain text, for code (tables, captions).
"""
import itertools
import pandas as pd  # noqa: F401
from IPython.display import Markdown  # noqa: F401

from rederive.core import formatting as fmt  # noqa: F401
from rederive.book import judgements as say  # noqa: F401
from rederive.core import outcomes  # noqa: F401
from rederive.report import LinkedNumber, Report, glossary_link, interactive_table, md_code, md_list, md_table  # noqa: F401

R = Report.load()
f = R.fmt
_uses = itertools.count(1)  # each linked number's card gets an id of its own on the page


def n(row_id: str, show: str = "printed", page_folder: str = "chapters"):
    """A ledger number in prose, linked to its row (Report.number); `show`: "printed", "lower",
    "estimate", "derived" or "p". A sentence built in code of several: Markdown(f"... {n('a')} ...")."""
    return R.number(row_id, show, use=next(_uses), page_folder=page_folder)


def own(row_id: str, how: str = "text", places: int | None = None, page_folder: str = "chapters"):
    """A number of the report's own results in prose, linked to its ledger row (Report.result):
    own("synthesis_sequence.tests.needed"), own("<analysis>.<path>", "fixed", 2). Write the id
    (or, in a helper linking several, their common prefix) as a literal: the PDF's ledger anchors
    the rows the chapters name (Report.results_in_prose)."""
    return R.result(row_id, how, places, use=next(_uses), page_folder=page_folder)


def says(statement_id: str, capitalise: bool = False, page_folder: str = "chapters"):
    """One of the report's own statements in prose, linked to its ledger row (Report.statement)."""
    return R.statement(statement_id, use=next(_uses), page_folder=page_folder, capitalise=capitalise)


def term(word: str) -> str:
    """A glossary term's first use on a chapter page, linked to its entry (rederive.book.glossary)."""
    return glossary_link(word)




# Sentences of several linked own results, built the same way on every page (`page_folder`: as
# for n()).
def own_span(low_id: str, high_id: str, places: int | None = 1, how: str = "fixed", joiner: str = " to ",
             page_folder: str = "chapters"):
    """"6.0 to 14.0" (or "185-190": how="text", joiner="-"), each end linked; one number when both
    ends show the same."""
    ends = [own(i, how, places, page_folder=page_folder) for i in (low_id, high_id)]
    same = R.result_text(low_id, how, places) == R.result_text(high_id, how, places)
    return ends[0] if same else LinkedNumber(f"{ends[0]}{joiner}{ends[1]}")


def own_p_span(low_id: str, high_id: str, page_folder: str = "chapters"):
    """One P value, or "P from .0061 to .0074" when the two ends differ."""
    if R.result_text(low_id, "p") == R.result_text(high_id, "p"):
        return own(low_id, "p", page_folder=page_folder)
    return own_p_range(low_id, high_id, page_folder)


def own_p_range(low_id: str, high_id: str, page_folder: str = "chapters"):
    """"P from .0050 to .0054" (fmt.p_range), each end linked."""
    return LinkedNumber(f"P from {own(low_id, 'p_digits', page_folder=page_folder)} to {own(high_id, 'p_digits', page_folder=page_folder)}")


def own_interval(low_id: str, high_id: str, page_folder: str = "chapters"):
    """A proportion's interval as a percentage, "43.1-65.7%", each bound linked."""
    return LinkedNumber(f"{own(low_id, 'percent_digits', page_folder=page_folder)}-{own(high_id, 'proportion', page_folder=page_folder)}")


def own_odds(prefix: str, with_p: bool = False, ci: str = " (95% CI {}){}", page_folder: str = "chapters"):
    """An odds ratio "0.59 (95% CI 0.37-0.95; P = .03)" from the rows <prefix>.estimate, .low,
    .high (and .p), each linked."""
    p = f"; {own(prefix + '.p', 'p', page_folder=page_folder)}" if with_p else ""
    bounds = f"{own(prefix + '.low', 'fixed', 2, page_folder=page_folder)}-{own(prefix + '.high', 'fixed', 2, page_folder=page_folder)}"
    return LinkedNumber(f"{own(prefix + '.estimate', 'fixed', 2, page_folder=page_folder)}" + ci.format(bounds, p))
