"""How certain each answer is, in the manner of GRADE, with the reason for every step down.

The front page's summary of findings rates each question. A rating starts from the kind of
evidence behind it (START) and steps down one level for each serious concern, two for a very
serious one, in five domains:

- decided by numbers, here (RULES): inconsistency (I² and the prediction interval, or a
  heterogeneity test, or two analyses of one question that disagree), imprecision (the
  interval and the patients behind it), publication bias (Egger's test, where the report
  runs it on the studies behind the row);
- judged, with a written reason (data/certainty.csv): risk of bias and indirectness.

Every domain's rating and every question's overall rating is one of the report's statements
(rederive.statements): the words the page shows ("serious", "very low") and the rule that
decides them from the ledger, so `check` fails naming `says.certainty_<question>_<domain>`
when a rating no longer follows from its inputs. A judgement is a ledger row too, with its
file and line, and feeds the overall rating. The report never rates up (GRADE allows it for a
large effect in observational evidence; none of these rows is free of a serious concern).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..data import csvfile
from ..core.types import Problem
from ..statements import ALPHA, Statement, statement

FILE = "data/certainty.csv"
LEVELS = ("very low", "low", "moderate", "high")
STEPS = {"not serious": 0, "serious": 1, "very serious": 2}
NOT_ASSESSABLE = "not assessable"  # too few studies for the domain's test; never a step down
JUDGED = ("risk of bias", "indirectness")
RULED = ("inconsistency", "imprecision", "publication bias")
WHERE = "index.qmd, Summary of findings; methods.qmd, How certain"

# The rules' thresholds, stated in the methods chapter (which reads them from here).
I2_SERIOUS = 50.0  # per cent: I² at or above it is substantial heterogeneity (Cochrane Handbook 10.10.2 calls 50-90% "may represent substantial")
PI_TO_CI = 2.0  # a prediction interval more than twice as wide as the confidence interval
HETEROGENEITY_P = 0.10  # a heterogeneity test counts at 10%, as it has little power
PATIENTS_SERIOUS = 300  # fewer patients behind an estimate than a rule of thumb for one adequately sized trial
PATIENTS_VERY_SERIOUS = 50
RATE_CI_WIDTH = 20.0  # percentage points: a response-rate interval wider than this is imprecise
EGGER_P = 0.10
EGGER_MIN_STUDIES = 10  # fewer studies than this and Egger's test has too little power to be run


@dataclass(frozen=True)
class Question:
    id: str
    label: str
    evidence: str  # the kind of evidence, as the table says it
    trials_only: bool  # every study behind it is a prospective trial cohort: starts high


QUESTIONS = {q.id: q for q in (
    Question("timing", "Timing of failure: response to a bispecific after failure beyond 6 months, against within 3 months",
             "a registry cohort and one trial's time windows; counts reconstructed from printed rates", False),
    Question("bispecific", "A bispecific antibody alone after CAR-T: response rate",
             "single-arm trial cohorts, pooled", True),
    Question("salvage", "Which salvage: bispecific against chemotherapy (PFS-2)",
             "one national registry (two reports); treatments chosen by clinicians", False),
    Question("sequence", "CAR T cells after a bispecific has failed: response rate",
             "one retrospective single-centre case series (a preprint abstract)", False),
)}


def start(question: Question) -> str:
    return "high" if question.trials_only else "low"


# --- the rules numbers decide: each returns (rating, reason with its numbers) ---

def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _imprecision(patients: int | None, wide: bool, why_wide: str, most: int | None = None) -> tuple[str, str]:
    """`patients` decides (the fewest, where readings differ); `most` is shown beside it."""
    span = f"{patients}-{most}" if most is not None and most != patients else f"{patients}"
    count = f"{span} patients" if patients is not None else "patients behind the comparison not printed"
    if patients is not None and patients < PATIENTS_VERY_SERIOUS:
        return "very serious", f"{count} (fewer than {PATIENTS_VERY_SERIOUS}); {why_wide}"
    if patients is None or patients < PATIENTS_SERIOUS or wide:
        return "serious", f"{count}; {why_wide}"
    return "not serious", f"{count}; {why_wide}"


def _timing(f) -> dict:
    t = f.analysis("synthesis_timing_sensitivity")
    late = t["ranges"][1]
    patients = f.number("shum_n") + min(t["odronextamab_n"]["windows"], t["odronextamab_n"]["table2"])
    most = f.number("shum_n") + max(t["odronextamab_n"]["windows"], t["odronextamab_n"]["table2"])
    p_low = t["common_odds_p_low"]
    return {
        "inconsistency": ("serious" if p_low < HETEROGENEITY_P else "not serious",
                          f"the two cohorts' odds ratios: smallest P of the common-odds test over every fit {p_low:.2f}"
                          f" ({'below' if p_low < HETEROGENEITY_P else 'not below'} {HETEROGENEITY_P:.2f})"),
        "imprecision": _imprecision(int(patients), late["ci_low"] <= 1,
                                    f"lowest 95% CI bound over every fit {late['ci_low']:.2f}"
                                    f" ({'reaches' if late['ci_low'] <= 1 else 'above'} 1)", int(most)),
        "publication bias": (NOT_ASSESSABLE, f"2 cohorts, fewer than {EGGER_MIN_STUDIES}: no funnel test"),
    }


def _bispecific(f) -> dict:
    mono = f.analysis("synthesis_sequence")["pooled_monotherapy"]
    i2 = f.analysis("shen_heterogeneity")["mono_orr"]["i2"]
    ratio = (mono["pi_high"] - mono["pi_low"]) / (mono["high"] - mono["low"])
    width = 100 * (mono["high"] - mono["low"])
    egger = [e for e in f.analysis("shen_egger")
             if e["outcome"] == "ORR" and e["studies"] == "prior CAR-T studies" and "(metaprop)" in e["scale"]]
    k = mono["k"]
    if k < EGGER_MIN_STUDIES:
        bias = (NOT_ASSESSABLE, f"{k} cohorts, fewer than {EGGER_MIN_STUDIES}; Egger's P on the paper's scale "
                                f"{egger[0]['p']:.2f}, but the test has too little power to rule bias out")
    else:
        bias = ("serious" if egger[0]["p"] < EGGER_P else "not serious", f"Egger's P {egger[0]['p']:.2f}")
    serious = i2 >= I2_SERIOUS or ratio > PI_TO_CI
    return {
        "inconsistency": ("serious" if serious else "not serious",
                          f"I² {i2:.0f}%; prediction interval {_pct(mono['pi_low'])} to {_pct(mono['pi_high'])}, "
                          f"{ratio:.1f} times as wide as the CI"),
        "imprecision": _imprecision(mono["patients"], width > RATE_CI_WIDTH,
                                    f"95% CI {width:.1f} percentage points wide"),
        "publication bias": bias,
    }


def _salvage(f) -> dict:
    low, high = f.ci("erb_bsab_vs_chemo_p")
    p_2022 = f.p_at_most("pfs2_treatment_p")
    disagree = p_2022 >= ALPHA and high < 1
    return {
        "inconsistency": ("serious" if disagree else "not serious",
                          f"the registry's 2022 test of the treatment classes (P up to {p_2022:.3g}) "
                          f"{'finds no difference, its 2025 late-failure HR (95% CI below 1) does' if disagree else 'and its 2025 HR agree'}"),
        "imprecision": _imprecision(None, low <= 1 <= high, f"HR 95% CI {low}-{high}"),
        "publication bias": (NOT_ASSESSABLE, "one registry: no funnel test"),
    }


def _sequence(f) -> dict:
    t = f.analysis("synthesis_sequence")["tongren"]
    low, high = t["orr_ci"]
    width = 100 * (high - low)
    return {
        "inconsistency": (NOT_ASSESSABLE, "one series"),
        "imprecision": _imprecision(int(f.number("tr_n")), width > RATE_CI_WIDTH,
                                    f"exact 95% CI {width:.1f} percentage points wide"),
        "publication bias": (NOT_ASSESSABLE, "one series: no funnel test"),
    }


RULES = {"timing": _timing, "bispecific": _bispecific, "salvage": _salvage, "sequence": _sequence}


def overall(question: Question, ratings: dict[str, str]) -> str:
    """The start level, one step down per serious concern, two per very serious, never below very low."""
    steps = sum(STEPS.get(r, 0) for r in ratings.values())
    return LEVELS[max(0, LEVELS.index(start(question)) - steps)]


# --- the registered judgements (risk of bias, indirectness) ---

@dataclass(frozen=True)
class Judgement:
    question: str
    domain: str
    rating: str
    reason: str
    line: int


def load_judgements(root: Path, problems: list[Problem]) -> dict[tuple[str, str], Judgement]:
    """data/certainty.csv: one row per question and judged domain, each with a rating and a reason."""
    table = csvfile.read(root / FILE, FILE, problems)
    if table is None:
        return {}
    columns = ["question", "domain", "rating", "reason"]
    if table.header[:len(columns)] != columns or len(table.header) != len(columns):
        problems.append(Problem(FILE, 1, None, f"columns must be {', '.join(columns)}"))
        return {}
    found = {}
    for line, raw in table.rows:
        cells = {c: (raw.get(c) or "").strip() for c in columns}
        if None in raw:
            problems.append(Problem(FILE, line, None, "more cells than columns"))
            continue
        if cells["question"] not in QUESTIONS:
            problems.append(Problem(FILE, line, "question", f"unknown question {cells['question']!r}; one of {', '.join(QUESTIONS)}"))
        elif cells["domain"] not in JUDGED:
            problems.append(Problem(FILE, line, "domain", f"{cells['domain']!r} is not judged; one of {', '.join(JUDGED)}"
                                                          " (the others follow from numbers)"))
        elif cells["rating"] not in STEPS:
            problems.append(Problem(FILE, line, "rating", f"{cells['rating']!r}; one of {', '.join(STEPS)}"))
        elif not cells["reason"]:
            problems.append(Problem(FILE, line, "reason", "a judgement needs its written reason"))
        elif (cells["question"], cells["domain"]) in found:
            problems.append(Problem(FILE, line, None, f"{cells['question']} {cells['domain']} judged twice"))
        else:
            found[(cells["question"], cells["domain"])] = Judgement(cells["question"], cells["domain"],
                                                                    cells["rating"], cells["reason"], line)
    for q in QUESTIONS:
        for d in JUDGED:
            if (q, d) not in found and not problems:
                problems.append(Problem(FILE, None, None, f"no judgement of {d} for {q}"))
    return found


def judgement_statements(judgements: dict) -> list[Statement]:
    """Each registered judgement as a statement row: it records the judgement (it is not decided
    by numbers; it holds while it is registered with a valid rating and a reason)."""
    return [Statement(f"certainty_{j.question}_{j.domain.replace(' ', '_')}", f"{WHERE} ({FILE}, line {j.line})",
                      j.rating, lambda f, j=j: (True, f"judged: {j.reason}"))
            for j in judgements.values()]


def ratings(f, question_id: str) -> dict[str, tuple[str, str]]:
    """Every domain's (rating, reason) for one question: the rules' and the judgements'."""
    out = dict(RULES[question_id](f))
    for d in JUDGED:
        j = f.judgement(question_id, d)
        out[d] = (j.rating, j.reason)
    return out


# --- the statements the summary of findings shows: every ruled domain, and each overall rating ---

EXPECTED = {  # what the page says; check fails when the rules no longer give it
    ("timing", "inconsistency"): "not serious", ("timing", "imprecision"): "serious",
    ("timing", "publication bias"): NOT_ASSESSABLE, ("timing", None): "very low",
    ("bispecific", "inconsistency"): "serious", ("bispecific", "imprecision"): "serious",
    ("bispecific", "publication bias"): NOT_ASSESSABLE, ("bispecific", None): "low",
    ("salvage", "inconsistency"): "serious", ("salvage", "imprecision"): "serious",
    ("salvage", "publication bias"): NOT_ASSESSABLE, ("salvage", None): "very low",
    ("sequence", "inconsistency"): NOT_ASSESSABLE, ("sequence", "imprecision"): "very serious",
    ("sequence", "publication bias"): NOT_ASSESSABLE, ("sequence", None): "very low",
}


def statement_id(question: str, domain: str | None) -> str:
    return f"certainty_{question}" + (f"_{domain.replace(' ', '_')}" if domain else "")


def _register(question: str, domain: str | None, words: str) -> None:
    if domain:
        def decide(f):
            rating, reason = RULES[question](f)[domain]
            return rating == words, f"rule gives {rating}: {reason}"
    else:
        def decide(f):
            got = {d: r for d, (r, _) in ratings(f, question).items()}
            level = overall(QUESTIONS[question], got)
            return level == words, f"starts {start(QUESTIONS[question])}; " + \
                ", ".join(f"{d} {r}" for d, r in got.items()) + f"; gives {level}"
    statement(statement_id(question, domain), WHERE, words)(decide)


for (_q, _d), _words in EXPECTED.items():
    _register(_q, _d, _words)
