"""What decides an outcome: the registry of checks (registry), rounding rules, P values
implied by a CI, the intrinsic checks, the derivations a source module returns, the exact
enumerations (km, subgroups), misprint identities and the verdicts on a source's words.

It may import rederive.core; nothing above it (tests/test_layering.py).
"""
