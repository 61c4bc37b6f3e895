"""What the book's pages are written with, besides the Report itself (rederive.report): words
that judge numbers, one figure style and the forest plots, pipe tables that fit the page,
escaping, the citation, the glossary, the summary of findings, the interactive tables' script, and the record of what a
chapter read (reads).

It may import rederive.core, rederive.statements (a module), rederive.checks, rederive.stats,
rederive.data, rederive.sources, rederive.analyses, rederive.ledger; nothing above it
(tests/test_layering.py).
"""
