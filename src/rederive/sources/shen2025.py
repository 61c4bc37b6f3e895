"""Shen 2025 (Front Oncol 15:1641769): meta-analysis of CD20xCD3 bispecifics after CAR-T failure.

Inputs are the paper's Tables 1 and 2 (data/shen2025/table1.csv, table2.csv) and the numbers
its text prints (claims.csv). Pooled estimates are re-derived with rederive.stats.meta in Stata
metaprop parity; every other claim is arithmetic on the tables.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from ..checks import identities
from ..data import tables
from ..stats import meta
from ..checks import verdicts as says
from ..checks.derivations import (Agrees, ColumnPrecision, Feasible, Grim, Percent, PooledProportion, Range, Total,
                           Value, Verbal, Within)
from ..core.reported import parse

SUBGROUPS = ("monotherapy", "combination", "CAR-T-naive")
_COUNT_PERCENT = re.compile(r"^(\d+)\(([\d.]+)\)$")  # "11(40)": count (percent)


@dataclass(frozen=True)
class Study:
    key: str  # chong8_prior
    label: str  # Chong 2025
    subgroup: str
    treatment: str
    n: int
    orr: int | None  # None where the table prints NR*
    orr_printed: str | None  # the percentage as printed: "40"
    cr: int
    cr_printed: str


def _count_percent(cell: str) -> tuple[int | None, str | None]:
    m = _COUNT_PERCENT.match(cell)
    return (int(m.group(1)), m.group(2)) if m else (None, None)


def studies(table) -> list[Study]:
    """Table 2 as studies, in the printed order."""
    out = []
    for row in table.rows:
        orr, orr_printed = _count_percent(row["orr"])
        cr, cr_printed = _count_percent(row["cr"])
        key = f"{row['author'].lower()}{row['ref']}_{'prior' if row['prior_cart'] == 'Yes' else 'naive'}"
        out.append(Study(key, f"{row['author']} {row['year']}", row["subgroup"], row["treatment"],
                         int(row["n"]), orr, orr_printed, cr, cr_printed))
    return out


def events(studies_: list[Study], subgroup: str | None, outcome: str) -> tuple[list[int], list[int]]:
    """Events and sizes of the studies in a subgroup (None: all) that report the outcome."""
    chosen = [s for s in studies_ if (subgroup is None or s.subgroup == subgroup)
              and getattr(s, outcome) is not None]
    return [getattr(s, outcome) for s in chosen], [s.n for s in chosen]


def months(cell: str):
    """A Table 1 cell ("9.7m (5.4-NR)", "42m", "NR") as a median in months, or None for a dash
    (the one reader of table cells, rederive.data.tables)."""
    return None if cell == tables.NOT_PRINTED else tables.read_median_ci(cell)


def egger_search(studies_: list[Study], outcome: str) -> list[tuple[str, str, float]]:
    """Egger p for each effect scale and each plausible set of studies: (set, scale, p)."""
    sets = {"prior CAR-T studies": [s for s in studies_ if s.subgroup != "CAR-T-naive"],
            "all studies": studies_}
    out = []
    for set_name, chosen in sets.items():
        ev, n = events(chosen, None, outcome)
        for scale, p in meta.egger_variants(ev, n).items():
            out.append((set_name, scale, p))
    return out


def _closest(search, printed: Fraction) -> Value:
    set_name, scale, p = min(search, key=lambda r: abs(r[2] - float(printed)))
    # The paper does not say which Egger variant Stata ran: a miss is undecided, not a discrepancy.
    return Value(p, f"{p:.3f} (closest of {len(search)} variants: {scale}, {set_name})", method_stated=False)


PRISMA_TERMS = {"prisma_screened": "records screened", "prisma_screen_excluded": "excluded at screening",
                "prisma_assessed": "assessed for eligibility", "prisma_fulltext_excluded": "excluded at full text",
                "prisma_included": "included"}


def _prisma_misprints(x) -> str:
    """The flow's two subtractions share 'assessed': which printed number could be the one misprint?"""
    values = {t: x.n(t) for t in PRISMA_TERMS}
    chain = [{"prisma_screened": 1, "prisma_screen_excluded": -1, "prisma_assessed": -1},
             {"prisma_assessed": 1, "prisma_fulltext_excluded": -1, "prisma_included": -1}]
    candidates, cleared = identities.single_misprints(chain, values)
    if not candidates:
        return "no single misprint explains it"
    could = " or ".join(f"{PRISMA_TERMS[c.term]} {c.printed} ({c.needed} would fit)" for c in candidates)
    cannot = ", ".join(f"{PRISMA_TERMS[t]} {values[t]}" for t in cleared)
    return f"one misprint would explain it: {could}; not {cannot}, whose subtraction holds"


def _remainder(study: Study, parts: list[int]) -> Value:
    """The last subgroup's size: the trial's n (Table 2) minus the other subgroups."""
    rest = study.n - sum(parts)
    return Value(rest, f"{study.n} - {' - '.join(map(str, parts))} = {rest} (Table 2, {study.label})")


# The text's per-drug statements and the Table 2 cells they restate.
TEXT_CELLS = {
    "mosun": "chong8_prior", "epcor": "thieblemont11_prior", "odron": "topp12_prior",
    "mosun_pola": "budde9_prior", "glofit_pola": "hutchings16_prior", "epcor_gemox": "brody13_prior",
    "glofit_gemox": "abramson14_prior", "naive_epcor": "thieblemont11_naive",
    "abstract_mosun": "chong8_prior", "results_mosun_pola": "budde9_prior", "results_epcor_gemox": "brody13_prior",
    "naive_mosun_pola": "budde9_naive", "naive_epcor_gemox": "brody13_naive",
}


def derive(x):
    d = x.derivations()
    # Tables are read again for each claim that uses them, so that each claim's provenance names
    # them (rederive.data.inputs); reading a table is cheap.
    t2 = lambda: studies(x.table("table2"))  # noqa: E731
    t1 = lambda: x.table("table1").rows  # noqa: E731
    by_key = lambda: {s.key: s for s in t2()}  # noqa: E731
    prior = lambda: [s for s in t2() if s.subgroup != "CAR-T-naive"]  # noqa: E731

    # totals and counts of trials
    d["prior_cart_n"] = Total(tuple(s.n for s in prior()))
    d["abstract_prior_cart_n"] = Agrees("prior_cart_n", x["prior_cart_n"])
    d["naive_n"] = Total(tuple(s.n for s in t2() if s.subgroup == "CAR-T-naive"))
    count = lambda items, what: Value(len(items), f"{len(items)} {what}")  # noqa: E731
    d["trials_k"] = count(prior(), "prior-CAR-T rows in Table 2")
    d["mono_k"] = count([s for s in prior() if s.subgroup == "monotherapy"], "monotherapy rows")
    d["comb_k"] = count([s for s in prior() if s.subgroup == "combination"], "combination rows")
    d["naive_k"] = count([s for s in t2() if s.subgroup == "CAR-T-naive"], "CAR-T-naive rows")
    for drug in ("mosunetuzumab", "glofitamab", "epcoritamab", "odronextamab"):
        d[f"{drug}_k"] = count([s for s in prior() if s.treatment.lower().startswith(drug)], f"{drug} trials")
    for year in ("2025", "2024", "2023"):
        d[f"year_{year}_k"] = count([r for r in t1() if r["year"] == year], f"Table 1 rows from {year}")
    d["records_n"] = Total((len(prior()), x.n("excluded_data_n"), x.n("excluded_small_n")))
    d["prisma_included_k"] = count(prior(), "prior-CAR-T rows in Table 2")
    d["prisma_excluded_k"] = Total((x.n("excluded_data_n"), x.n("excluded_small_n")))
    d["included_trials_k"] = Total((x.n("articles_k"), x.n("abstracts_k")))
    d["cr_reported_k"] = count([s for s in prior() if s.cr is not None], "prior-CAR-T rows with a CR count")
    d["orr_missing_k"] = count([s for s in prior() if s.orr is None], "prior-CAR-T rows without an ORR count")
    d["limitations_trials_k"] = count(prior(), "prior-CAR-T rows in Table 2")
    d["conclusion_trials_k"] = count(prior(), "prior-CAR-T rows in Table 2")
    d["limitations_abstracts_k"] = Agrees("abstracts_k", x["abstracts_k"])
    drugs = lambda: sorted({s.treatment.split("+")[0].strip() for s in t2()})  # noqa: E731
    d["limitations_drugs_k"] = count(drugs(), "bispecifics in Table 2 (" + ", ".join(drugs()) + ")")
    d["prisma_assessed"] = Total((x.n("prisma_screened"), -x.n("prisma_screen_excluded")), _prisma_misprints(x))
    d["prisma_included"] = Total((x.n("prisma_assessed"), -x.n("prisma_fulltext_excluded")))

    # Table 2: every percentage from its count, and GRIM where they disagree
    for key in [s.key for s in t2()]:
        if (s := by_key()[key]).orr is not None:
            d[f"t2_{key}_orr_pct"] = Percent(s.orr, s.n)
        s = by_key()[key]
        d[f"t2_{key}_cr_pct"] = Percent(s.cr, s.n)
    for key in ("chong8_prior", "hutchings15_prior"):
        d[f"t2_{key}_cr_grim"] = Grim(by_key()[key].n)

    # every cell of the two tables (rederive.data.tables): Table 1 against Table 2 for the same trial,
    # refractory shares against the trial's n (a count above its cohort is refused on loading)
    # (a cell one row copies is read by its row id, so that a finding on it travels, rederive.ledger.travel)
    t1_rows = lambda: {r["key"]: r for r in t1()}  # noqa: E731
    t2_rows = lambda: {r["key"]: r for r in x.table("table2").rows}  # noqa: E731
    for key in t1_rows():
        cell = f"t2_{t2_rows()[f'{key}_prior']['key']}_n"  # the Table 2 row by its key: a renamed one is named
        d[f"t1_{key}_n"] = Agrees(f"table 2, {key}", x[cell])
        if (row := t1_rows()[key])["refractory"] != "–":
            d[f"t1_{key}_refractory"] = Grim(int(row["n"]))
    for key in t2_rows():
        trial = t1_rows()[key.rsplit("_", 1)[0]]["key"]
        d[f"t2_{key}_lopt"] = Agrees(f"table 1, {trial}", x[f"t1_{trial}_lopt"], separate=key.endswith("_naive"))

    # the text restating Table 2: each copy agrees with the percentage cell it copies, read by its
    # row id, so that a finding on the cell travels to the copy (rederive.ledger.travel)
    for text_key, study_key in TEXT_CELLS.items():
        for outcome in ("orr", "cr"):
            s = by_key()[study_key]
            if getattr(s, f"{outcome}_printed") is not None:
                claim = text_key if text_key.startswith(("abstract_", "results_")) else f"text_{text_key}"
                d[f"{claim}_{outcome}"] = Agrees(f"table 2, {s.label}", x[f"t2_{study_key}_{outcome}_pct"])
    glofit = lambda: [s for s in prior() if s.treatment == "Glofitamab"]  # noqa: E731

    def count_range(items: list[Study], outcome: str) -> Range:
        """A text range of Table 2 rates, from the counts, with the cells as printed beside them."""
        shares = [Fraction(100 * getattr(s, outcome), s.n) for s in items]
        cells = [f"t2_{s.key}_{outcome}_pct" for s in items]
        return Range(min(shares), max(shares), f"{float(min(shares)):.1f} to {float(max(shares)):.1f}",
                     as_printed=tuple((cell, x.value(cell)) for cell in cells))
    d["text_glofit_orr"] = count_range(glofit(), "orr")
    d["text_glofit_cr"] = count_range(glofit(), "cr")
    for subgroup, prefix in (("monotherapy", "mono"), ("combination", "comb")):
        chosen = lambda: [s for s in prior() if s.subgroup == subgroup]  # noqa: E731
        d[f"discussion_{prefix}_orr_range"] = count_range([s for s in chosen() if s.orr is not None], "orr")
        d[f"discussion_{prefix}_cr_range"] = count_range(chosen(), "cr")
    cr_from_counts = [Fraction(100 * s.cr, s.n) for s in prior()]
    d["conclusion_cr_range"] = Range(min(cr_from_counts), max(cr_from_counts),
                                     f"{float(min(cr_from_counts)):.1f} to {float(max(cr_from_counts)):.1f} "
                                     f"(all {len(prior())} prior-CAR-T cohorts, from counts)")

    # pooled estimates, Stata metaprop parity
    for subgroup, prefix in (("monotherapy", "mono"), ("combination", "comb"), ("CAR-T-naive", "naive")):
        for outcome in ("orr", "cr"):
            pooled = lambda: meta.metaprop(*events(t2(), subgroup, outcome))  # noqa: E731
            p = pooled()
            d[f"{prefix}_{outcome}_pooled"] = PooledProportion(p.estimate, p.low, p.high)
            p = pooled()
            if prefix == "mono":
                d[f"mono_{outcome}_i2"] = Value(p.i2, f"{p.i2:.2f}%")
                p = pooled()
                d[f"mono_{outcome}_het_p"] = Value(p.p_heterogeneity, f"{p.p_heterogeneity:.3f}")
            else:
                d[f"{prefix}_{outcome}_het"] = Value(p.i2, f"I² = {p.i2:.1f}%")
    # Figure 2's sensitivity panels: their estimates match the pool over all twelve cohorts of
    # Table 2 (CAR-T-naive included), not the nine prior-CAR-T trials the paper is about.
    for outcome in ("orr", "cr"):
        every = meta.metaprop(*events(t2(), None, outcome))
        d[f"sensitivity_{outcome}"] = Value(every.estimate, f"{every.estimate:.3f} (the {every.k} cohorts of Table 2 that report it, CAR-T-naive included)")
    overall = meta.metaprop(*events(t2(), None, "orr"))
    d["overall_orr_pooled"] = PooledProportion(overall.estimate, overall.low, overall.high)
    d["egger_orr"] = _closest(egger_search(t2(), "orr"), x["egger_orr"].p.number.value)
    d["egger_cr"] = _closest(egger_search(t2(), "cr"), x["egger_cr"].p.number.value)

    # Table 1 summarised in the text
    # no counts behind these proportions: the range spans the cells as printed, read by row id
    refractory = {cell: 100 * x.value(cell) for cell in [f"t1_{r['key']}_refractory" for r in t1() if r["refractory"] != "–"]}
    low, high = min(refractory.values()), max(refractory.values())
    d["refractory_range"] = Range(low, high, ends=tuple(c for c, v in refractory.items() if v in (low, high)))
    for claim in ("followup_range", "abstract_followup_range", "conclusion_followup_range"):
        follow_up = {cell: x.value(cell) for cell in [f"t1_{r['key']}_mfollowup" for r in t1()]}
        low, high = min(follow_up.values()), max(follow_up.values())
        d[claim] = Range(low, high, ends=tuple(c for c, v in follow_up.items() if v in (low, high)))
    reported_in = lambda column: [r for r in t1() if r[column] != "–"]  # noqa: E731
    for claim, column in (("dor_k", "dor"), ("abstract_dor_k", "dor"), ("docr_k", "docr"),
                          ("abstract_docr_k", "docr"), ("mpfs_k", "mpfs"), ("abstract_mpfs_k", "mpfs"),
                          ("mos_k", "mos"), ("abstract_mos_k", "mos")):
        d[claim] = count(reported_in(column), f"Table 1 rows with {column}")
    numeric_docr = [r for r in t1() if months(r["docr"]) is not None and months(r["docr"]).estimate.value is not None]
    d["abstract_docr_numeric_k"] = count(numeric_docr, "Table 1 rows with a DoCR median in months")
    by_author = lambda: {(r["author"], r["ref"]): r for r in t1()}  # noqa: E731
    for claim, (author, ref, column) in {
        "dor_thieblemont": ("Thieblemont", "11", "dor"), "dor_topp": ("Topp", "12", "dor"),
        "dor_cartron": ("Cartron", "10", "dor"), "docr_hutchings": ("Hutchings", "15", "docr"),
        "mpfs_cartron": ("Cartron", "10", "mpfs"), "mpfs_topp": ("Topp", "12", "mpfs"),
        "mpfs_chong": ("Chong", "8", "mpfs"), "mpfs_budde": ("Budde", "9", "mpfs"),
        "mpfs_abramson": ("Abramson", "14", "mpfs"), "mpfs_hutchings": ("Hutchings", "15", "mpfs"),
        "mos_topp": ("Topp", "12", "mos"), "mos_cartron": ("Cartron", "10", "mos"),
        "abstract_dor_thieblemont": ("Thieblemont", "11", "dor"), "abstract_dor_topp": ("Topp", "12", "dor"),
        "abstract_dor_cartron": ("Cartron", "10", "dor"), "abstract_docr_hutchings": ("Hutchings", "15", "docr"),
        "abstract_mos_topp": ("Topp", "12", "mos"), "abstract_mos_cartron": ("Cartron", "10", "mos"),
    }.items():
        # the cell's own row (read as months() reads it), so that a finding on it travels here
        d[claim] = Agrees(f"table 1, {author} {column}", x[f"t1_{by_author()[(author, ref)]['key']}_{column}"])
    d["mos_hutchings"] = Agrees("table 1, Hutchings mos", x[f"t1_{by_author()[('Hutchings', '15')]['key']}_mos"])
    for claim in ("dor_chong_landmark", "abstract_dor_chong_landmark"):
        chong_dor = by_author()[("Chong", "8")]["dor"]  # "1-y 25%": a landmark at one year
        d[claim] = Agrees("table 1, Chong DOR", parse(re.match(r"(\d+)-y", chong_dor).group(1) + " years"))

    # discussion: subgroup data statements
    topp = lambda: by_key()["topp12_prior"]  # noqa: E731
    d["odro_refractory_orr"] = Grim(x.n("odro_refractory_n"))
    d["odro_relapsed_orr"] = Grim(x.n("odro_relapsed_n"))
    d["odro_relapsed_n"] = _remainder(topp(), [x.n("odro_refractory_n")])
    for key in ("axicel", "tisacel", "lisocel", "investigational"):
        d[f"odro_{key}_orr"] = Grim(x.n(f"odro_{key}_n"))
    others = [x.n(f"odro_{k}_n") for k in ("axicel", "tisacel", "lisocel")]
    d["odro_investigational_n"] = _remainder(topp(), others)
    for key in ("le90", "le180", "le365", "gt365"):
        d[f"odro_{key}_orr"] = Grim(x.n(f"odro_{key}_n"))
    earlier = [x.n(f"odro_{k}_n") for k in ("le90", "le180", "le365")]
    d["odro_gt365_n"] = _remainder(topp(), earlier)
    d["verbal_mono_orr_het"] = Verbal("P for heterogeneity below .05", says.significant(x["mono_orr_het_p"]))
    d["verbal_mono_cr_het"] = Verbal("I² within the paper's 'low' band", says.heterogeneity("low", x.value("mono_cr_i2")))
    pooled = f"pooled ORR {x['mono_orr_pooled'].text} (monotherapy)"  # the efficacy the title speaks of
    d["verbal_title_significant"] = Verbal("efficacy significant against some comparison",
                                           says.undecidable(f"single-arm cohorts ({pooled}): no comparison and no test printed"))
    d["mosun_nonresponders_pct"] = Percent(x.n("mosun_nonresponders_responded"), x.n("mosun_nonresponders_n"))
    d["mosun_responders_pct"] = Percent(x.n("mosun_responders_responded"), x.n("mosun_responders_n"))
    table = [[x.n("mosun_nonresponders_responded"), x.n("mosun_nonresponders_n") - x.n("mosun_nonresponders_responded")],
             [x.n("mosun_responders_responded"), x.n("mosun_responders_n") - x.n("mosun_responders_responded")]]
    from scipy.stats import fisher_exact
    p = float(fisher_exact(table)[1])
    d["verbal_mosun_prior_response"] = Verbal("Fisher's exact test on 3 of 18 vs 3 of 12 not significant",
                                              says.Decision(p >= float(says.ALPHA), f"P = {p:.2f}"))
    d["verbal_mosun_most"] = Verbal("more than half", says.majority(x.n("mosun_no_intervening_n"), x["mosun_cohort_n"].estimate.value))
    chong = by_key()["chong8_prior"]
    d["mosun_cohort_n"] = Value(chong.n, f"{chong.n} (Table 2, Chong)")
    no_intervening, cohort = x["mosun_no_intervening_n"].estimate.value, x["mosun_cohort_n"].estimate.value
    d["mosun_intervening_n"] = Value(cohort - no_intervening, f"{cohort} - {no_intervening} = {cohort - no_intervening} (the discussion's 20/30)")
    d["rentsch_signature_pct"] = Percent(x.n("rentsch_signature_n"), x.n("rentsch_n"))
    d["rentsch_resurgence_pct"] = Percent(x.n("rentsch_resurgence_n"), x.n("rentsch_n"))
    _search_findings(x, d, by_key, t1, t2)
    return d


def _search_findings(x, d, by_key, t1, t2) -> None:
    """Contradictions inside the paper found by the systematic search (issue 16): a share printed
    with fewer decimals than its column, the discussion's split of a trial against the tables,
    the population the text describes against the one pooled, the text's flow against Figure 1."""
    chong_row = lambda: next(r for r in t1() if r["key"] == "chong8")  # noqa: E731
    others = tuple(r["refractory"] for r in t1() if r["key"] != "chong8" and r["refractory"] != "–")
    d["t1_chong8_refractory_precision"] = ColumnPrecision(others, int(chong_row()["n"]))
    # Table 1's n within the discussion's 30: between (nonresponders - the extra patients) and all
    # nonresponders are among them
    n, split = int(chong_row()["n"]), x.n("mosun_nonresponders_n") + x.n("mosun_responders_n")
    most = min(x.n("mosun_nonresponders_n"), n)
    least = max(0, x.n("mosun_nonresponders_n") - max(0, split - n))
    d["t1_chong8_refractory_vs_split"] = Within(
        Fraction(least, n), Fraction(most, n),
        f"{least} to {most} of Table 1's {n} are CAR-T nonresponders if they are among the discussion's "
        f"{x.n('mosun_nonresponders_n')} + {x.n('mosun_responders_n')} = {split}")
    # both readings of "nonresponders (3 of 18) and responders (3 of 12) to mosunetuzumab"
    chong = by_key()["chong8_prior"]
    responded = x.n("mosun_nonresponders_responded") + x.n("mosun_responders_responded")
    readings = {f"3 + 3 responded to mosunetuzumab: {responded}": responded,
                f"the {x.n('mosun_split_responders')} are its responders: {x.n('mosun_split_responders')}":
                    x.n("mosun_split_responders")}
    agree = [r for r, count in readings.items() if count == chong.orr]
    d["mosun_split_responders"] = Feasible(len(agree), "; ".join(readings) + f"; Table 2: {chong.orr} responders "
                                           f"({chong.cr} complete)")
    # "All patients had previously received CAR-T therapy", against the cohorts the paper pools
    naive = [s for s in t2() if s.subgroup == "CAR-T-naive"]
    prior_only = meta.metaprop(*events([s for s in t2() if s.subgroup != "CAR-T-naive"], None, "orr"))
    overall = x["overall_orr_pooled"]
    d["verbal_all_prior_cart"] = Verbal(
        "every patient analysed had prior CAR-T", says.Decision(
            not naive, f"Table 2 pools {len(naive)} CAR-T-naive cohorts ({sum(s.n for s in naive)} patients); "
                       f"Figure 3's overall ORR {overall.estimate.text} reproduces with them, the prior-CAR-T "
                       f"cohorts alone give {prior_only.estimate:.3f}"))
    d["records_vs_prisma_assessed"] = Agrees("prisma_assessed", x["prisma_assessed"])
    low, high = x["pivotal_os_range"].range  # the discussion's long-term OS of the pivotal trials
    d["bg_zuma1_os4y_vs_range"] = Within(low.value, high.value, "the discussion's long-term OS of the pivotal trials, "
                                         "ZUMA-1 among them, citing the same reference")
