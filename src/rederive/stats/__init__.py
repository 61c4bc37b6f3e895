"""The report's own statistics: meta-analysis of proportions, comparisons across cohorts,
exact binomial intervals and tests, what medians imply about survival, survival sketches.

It may import rederive.core, rederive.checks; nothing above it (tests/test_layering.py).
"""
