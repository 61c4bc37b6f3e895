"""Reading and validating data/: the CSV reader, each source's register (source.yml and its
schema, claims.csv, printed tables), exclusions, the pins of data/analyses.csv, the quote
check against the seeds, the inputs a source module reads, and `new-source`'s scaffold.

It may import rederive.core, rederive.checks; nothing above it (tests/test_layering.py).
"""
