"""The outcomes a check can give, and which of them are clean (not a finding).

`misquoted` can never be expected: it means the register contradicts itself. The rounding
outcomes name the rule a printed value needs (rederive.checks.rounding): half-up rounding is plain
`reproduced`; any other rule is a finding of its own.
"""
INPUT = "input"
REPRODUCED = "reproduced"
HALF_EVEN = "reproduced by half-even rounding"
TRUNCATED = "reproduced by truncation"
CEILING = "reproduced by rounding up"
DISCREPANCY = "discrepancy"
DECISION_ERROR = "decision error"
CONSISTENT = "consistent"
INCONSISTENT = "inconsistent"
UNINFORMATIVE = "uninformative"
# A check that cannot decide, as opposed to a discrepancy the printed inputs prove: the source
# does not say how the number was computed, or over how many patients.
METHOD_UNKNOWN = "not reproducible as printed: method unknown"
DENOMINATOR_UNSTATED = "not reproducible as printed: denominator unstated"
# The same numbers printed for what the source says are different analyses or populations.
SUSPECT_IDENTICAL = "suspect: identical for different analyses"
# A derived or agreement row whose check passes, but whose value comes from (reads, or agrees with)
# a printed value that is itself a finding: the finding travels with the value (rederive.ledger.travel),
# so the row is never counted as holding up; its detail names the root finding.
RESTS_ON_FLAGGED = "rests on a flagged value"
MISQUOTED = "misquoted"
# The report's own analyses (data/analyses.csv): the engine still gives the pinned value, or not.
PINNED = "as pinned"
MOVED = "moved from its pin"
# The report's own statements (rederive.statements): the numbers still support the words, or not.
HOLDS = "holds"
NO_LONGER_HOLDS = "no longer holds"

GOOD = {INPUT, REPRODUCED, CONSISTENT, PINNED, HOLDS}
ORDER = [INPUT, REPRODUCED, HALF_EVEN, TRUNCATED, CEILING, CONSISTENT, UNINFORMATIVE, METHOD_UNKNOWN,
         DENOMINATOR_UNSTATED, RESTS_ON_FLAGGED, SUSPECT_IDENTICAL, DISCREPANCY,
         INCONSISTENT, DECISION_ERROR, PINNED, MOVED, HOLDS, NO_LONGER_HOLDS, MISQUOTED]
# Every outcome that matches a printed value under some rounding rule, best first.
ROUNDED = [REPRODUCED, HALF_EVEN, TRUNCATED, CEILING]

# How charts and summaries group the outcomes of checked numbers (every outcome of a printed
# number belongs to exactly one group; a test keeps it so), from holding up to contradicted: a
# printed value checked more than once takes the last group any of its checks falls in
# (rederive.ledger.tallies). A row that rests on a flagged value has a group of its own: it is no
# contradiction of its own (its root is counted once, where it is printed), nor does it hold up.
GROUPS = {
    "Reproduced or consistent": (REPRODUCED, CONSISTENT),
    "Another rounding rule": (HALF_EVEN, TRUNCATED, CEILING),
    "Undecided: too coarse, method or denominator unknown": (UNINFORMATIVE, METHOD_UNKNOWN, DENOMINATOR_UNSTATED),
    "Rests on a flagged value": (RESTS_ON_FLAGGED,),
    "Contradicted or suspect": (DISCREPANCY, INCONSISTENT, DECISION_ERROR, SUSPECT_IDENTICAL),
}
