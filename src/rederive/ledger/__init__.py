"""The ledger and its bookkeeping: building it (ledger), the findings that travel and the
tallies, certainty, pinning and updating, the coverage and mutation audits, the caches and
the one ledger per render (cache, datacache, store), what changed between two ledgers,
and the CSV export's formula guard.

It may import rederive.core, rederive.statements (a module), rederive.checks, rederive.stats,
rederive.data, rederive.sources, rederive.analyses; nothing above it (tests/test_layering.py).
"""
