"""A chapter that draws runs this after chapters/_setup.py (`%run chapters/_figures.py`): pyplot,
the report's colours and one figure style. Apart from _setup.py so that a chapter that draws
nothing (the ledger, the methods, the glossary, the changes) does not import matplotlib, about
half a second of its kernel's start."""
import matplotlib.pyplot as plt  # noqa: F401

from rederive.book.figures import COLOURS, ENDPOINT_STYLE, FAINT, GUIDE, SOURCE_COLOURS, apply_style, save_figure  # noqa: F401

apply_style()
