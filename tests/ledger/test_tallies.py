"""Findings travel to the numbers that rest on them, and the tallies count distinct printed values,
re-derived apart from weak checks (issue 16, items 3 and 4)."""
import csv
import io
import sys
import types
from fractions import Fraction
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT, SEEDS
from rederive.checks import registry as checks
from rederive.core import outcomes
from rederive.ledger import tallies
from rederive.ledger.ledger import build
from rederive.report import Report, ledger_link

# A tiny register: 30 + 60 patients are printed as "100" (a total its parts contradict), and a
# percentage over that 100, its copy in the abstract, and a percentage over a clean total read it.
HEADER = "id,location,quote,reported,corrected,role,check,expected,note\n"
FIXTURE_ROWS = """\
total_n,results,of 100 patients,100,,input,none,input,
a_n,results,30 had a response,30,,input,none,input,
b_n,results,60 had none,60,,input,none,input,
total_sum,results,of 100 patients,100,,claim,sum,discrepancy,30 + 60 is 90: the parts do not add up to the total.
a_pct,results,a response (30%),30%,,claim,percent_of_counts,rests on a flagged value,Over the 100 its parts contradict.
a_pct_copy,abstract,responded (30%),30%,,claim,agrees_with,rests on a flagged value,The abstract's copy of a_pct.
c_n,results,12 of the 40 evaluable,12,,input,none,input,
d_n,results,12 of the 40 evaluable,40,,input,none,input,
c_pct,results,evaluable (30.0%),30.0%,,claim,percent_of_counts,reproduced,
d_copy,abstract,41 evaluable,41,,claim,agrees_with,inconsistent,The abstract prints 41 evaluable; the results 40.
"""


def _fixture_module():
    from rederive.checks.derivations import Agrees, Percent, Total

    def derive(x):
        d = x.derivations()
        d["total_sum"] = Total((x.n("a_n"), x.n("b_n")))
        d["a_pct"] = Percent(x.n("a_n"), x.n("total_n"))
        d["a_pct_copy"] = Agrees("a_pct", x["a_pct"])
        d["c_pct"] = Percent(x.n("c_n"), x.n("d_n"))
        d["d_copy"] = Agrees("d_n", x["d_n"])
        return d
    module = types.ModuleType("rederive.sources.fixture")
    module.derive = derive
    return module


@pytest.fixture
def fixture_root(tmp_path, monkeypatch):
    folder = tmp_path / "data" / "fixture"
    folder.mkdir(parents=True)
    (folder / "source.yml").write_text("id: fixture\nshort: Fixture\ntitle: A fixture\nseed: none.txt\n"
                                       "citation: fixture\n", encoding="utf-8")
    (folder / "claims.csv").write_text(HEADER + FIXTURE_ROWS, encoding="utf-8")
    monkeypatch.setitem(sys.modules, "rederive.sources.fixture", _fixture_module())
    return tmp_path


def test_a_claim_over_a_flagged_total_and_its_copy_rest_on_the_root_finding(fixture_root):
    # Oracle, by hand: 30/100 = 30.00% reproduces "30%", 12/40 = 30.00% reproduces "30.0%", and
    # 30 + 60 = 90 is not the printed 100 (discrepancy). a_pct reads the 100; a_pct_copy agrees
    # with a_pct, which rests on it: both rest on total_sum, the root. c_pct reads the 40, which
    # the abstract's 41 contradicts (d_copy): a disagreement that does not say which printing is
    # wrong, so it does not reach c_pct.
    ledger = build(fixture_root, with_analyses=False)
    assert not ledger.unexpected()
    rows = {r.id: r for r in ledger.rows}
    assert rows["total_sum"].outcome == outcomes.DISCREPANCY
    for row_id in ("a_pct", "a_pct_copy"):
        assert rows[row_id].outcome == outcomes.RESTS_ON_FLAGGED
        assert rows[row_id].rests_on == ("total_sum",)
        assert "total_sum (discrepancy)" in rows[row_id].detail
    assert rows["c_pct"].outcome == outcomes.REPRODUCED and rows["c_pct"].rests_on == ()
    exported = {r["id"]: r for r in csv.DictReader(io.StringIO(ledger.to_csv()))}
    assert exported["a_pct"]["rests_on"] == "total_sum" and exported["c_pct"]["rests_on"] == ""


def test_the_findings_list_links_a_resting_number_to_its_root_finding(fixture_root):
    report = Report(build(fixture_root, with_analyses=False), fixture_root)
    listed = report.findings_list("fixture").data
    # each link has the ledger page as its web target and the PDF's own ledger as its PDF target
    link = lambda i: ledger_link(i, f"`{i}`")  # noqa: E731
    assert f"{link('a_pct')}, {link('a_pct_copy')} on {link('total_sum')}" in listed
    assert '[[`total_sum`](ledger.html#row-total_sum)]{.content-visible when-format="html"}' in listed
    assert '[[`total_sum`](#row-total_sum)]{.content-visible unless-format="html"}' in listed


def test_mending_the_root_finding_makes_check_fail_on_the_numbers_that_rested_on_it(fixture_root):
    # Oracle: with 40 patients without a response, 30 + 70 = 100 adds up; a_pct and its copy then
    # hold up on their own, which their registered "rests on a flagged value" no longer matches.
    claims = fixture_root / "data" / "fixture" / "claims.csv"
    claims.write_text(claims.read_text(encoding="utf-8").replace("b_n,results,60 had none,60", "b_n,results,70 had none,70")
                      .replace("add up to the total.", "add up.").replace("claim,sum,discrepancy", "claim,sum,reproduced"),
                      encoding="utf-8")
    unexpected = {r.id: r.outcome for r in build(fixture_root, with_analyses=False).unexpected()}
    assert unexpected == {"a_pct": outcomes.REPRODUCED, "a_pct_copy": outcomes.CONSISTENT}


def test_a_text_range_is_checked_against_counts_and_rests_on_the_cells_it_copies_only_when_it_misses_them():
    # Oracle: Shen's glofitamab CR counts 20/52 = 38.46% and 21/46 = 45.65%; Table 2 prints them as
    # 37 and 45.7. "37-45.7%" misses 38.46 (37 stands for [36.5, 37.5)) but matches the cells;
    # "38.5-45.7%" matches the counts and rests on no cell.
    from rederive.checks.derivations import Range
    from rederive.core.reported import parse
    glofit = Range(Fraction(2000, 52), Fraction(2100, 46), as_printed=(("hutchings", Fraction(37)), ("cartron", Fraction("45.7"))))
    copied = glofit.compare(parse("37-45.7%"))
    assert copied.outcome == outcomes.REPRODUCED and copied.rests_on == ("hutchings", "cartron")
    assert copied.detail.startswith(outcomes.DISCREPANCY)
    counted = glofit.compare(parse("38.5-45.7%"))
    assert counted.outcome == outcomes.REPRODUCED and counted.rests_on == ()
    assert glofit.compare(parse("36-45.7%")).outcome == outcomes.DISCREPANCY


def _row(source, quote, reported, check, outcome):
    return SimpleNamespace(source=source, quote=quote, reported=reported, check=check, outcome=outcome)


def test_distinct_printed_values_count_a_value_checked_twice_once():
    # Oracle, by hand: 6 rows, 4 printed values. The Cox result is one value checked twice (its CI,
    # weak; its P, re-derived): re-derived, and in the worse group of its two outcomes (another
    # rounding rule). "120" is an input and the sum that checks it: one value, re-derived, contradicted.
    # "40%" is one weak value resting on a flagged one; "12" is an unchecked input.
    cox = "P = .07, HR 0.45, 95% CI 0.19-1.09"
    rows = [_row("s", f"bispecific antibodies ({cox})", cox, "ci_consistency", outcomes.CONSISTENT),
            _row("s", f"bispecific antibodies ({cox})", cox, "p_from_ci", outcomes.TRUNCATED),
            _row("s", "available for 120 of the 154", "120", "none", outcomes.INPUT),
            _row("s", "available for 120 of the 154", "120", "sum", outcomes.DISCREPANCY),
            _row("s", "ORR 40% and CR 23%", "40%", "agrees_with", outcomes.RESTS_ON_FLAGGED),
            _row("s", "the 12 patients", "12", "none", outcomes.INPUT)]
    values = tallies.printed_values(rows)
    assert [(v.kind, v.group) for v in values] == [
        (tallies.RE_DERIVED, "Another rounding rule"), (tallies.RE_DERIVED, "Contradicted or suspect"),
        (tallies.WEAK, "Rests on a flagged value"), (None, None)]
    summary = tallies.summary(values)
    assert (summary["printed"], summary["checked"], summary[tallies.RE_DERIVED], summary[tallies.WEAK]) == (4, 3, 2, 1)
    assert summary["Reproduced or consistent"] == 0 and summary["Contradicted or suspect"] == 1


def test_rows_quoting_one_printed_value_with_different_excerpts_are_one_value():
    # Oracle, by hand (DESCAR-T's and the Tongren preprint's own rows): the median 2.8 months with
    # its CI, and the same 2.8 months quoted more briefly, start at the same place: one value. The
    # two 33.3% of "anemia (33.3%), and thrombocytopenia (33.3%)" are two values, the second one
    # also quoted on its own; "3" in "(n = 3; 1%)" is not the 3 of "n = 35".
    rows = [_row("d", "median PFS-2 was 2.8 months (95% CI 2.4-3.1) from the time", "2.8 months (95% CI 2.4-3.1)", "ci_consistency", outcomes.CONSISTENT),
            _row("d", "median PFS-2 was 2.8 months (95% CI 2.4-3.1)", "2.8 months", "within", outcomes.CONSISTENT),
            _row("t", "anemia (33.3%), and thrombocytopenia (33.3%)", "33.3%", "grim", outcomes.REPRODUCED),
            _row("t", "and thrombocytopenia (33.3%)", "33.3%", "grim", outcomes.REPRODUCED),
            _row("d", "(PR, n = 35; 11%), or stable disease (n = 3; 1%).", "3", "none", outcomes.INPUT),
            _row("d", "partial remission (PR, n = 35; 11%)", "35", "none", outcomes.INPUT)]
    same = tallies.same_values(rows)
    assert same[0] == same[1] and len(set(same)) == 5


def _same_values_by_every_pair(rows):
    """The definition, pair by pair: two rows of a source whose printed texts begin alike are one
    value when one's quote holds the other's with the printed texts at one place."""
    from rederive.data.register import normalise_space, quote_offset
    parent = list(range(len(rows)))

    def root(i):
        while parent[i] != i:
            i = parent[i]
        return i
    placed = [(r.source, normalise_space(r.reported).split(" ")[0], normalise_space(r.quote), quote_offset(r.quote, r.reported))
              for r in rows]
    for i, (source_a, first_a, quote_a, at_a) in enumerate(placed):
        for j, (source_b, first_b, quote_b, at_b) in enumerate(placed[:i]):
            if (source_a, first_a) == (source_b, first_b) and (
                    tallies._same_place(quote_a, at_a, quote_b, at_b) or tallies._same_place(quote_b, at_b, quote_a, at_a)):
                parent[root(i)] = root(j)
    return [root(i) for i in range(len(rows))]


def _partition(values):
    groups = {}
    for i, v in enumerate(values):
        groups.setdefault(v, []).append(i)
    return sorted(groups.values())


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("ab"), st.text("1 2.%(x", max_size=12), st.sampled_from(["1", "2", "1.2", "12", "2 x", "%"])),
                max_size=14))
def test_printed_values_found_without_comparing_every_pair_are_those_of_the_definition(drawn):
    # Oracle: the definition applied to every pair of rows (_same_values_by_every_pair, quadratic);
    # same_values compares only rows whose quotes share the text from the printed value on. Quotes
    # drawn from a few characters, so that quotes holding one another, repeated quotes and printed
    # texts the quote does not hold (offset -1) all occur.
    rows = [_row(source, quote, reported, "none", outcomes.INPUT) for source, quote, reported in drawn]
    assert _partition(tallies.same_values(rows)) == _partition(_same_values_by_every_pair(rows))


@pytest.mark.skipif(not SEEDS.is_dir(), reason="needs the source documents (../shared/seeds), which are not shipped")
def test_each_printed_value_is_one_place_in_its_document():
    # Oracle: the documents themselves. Where a row's printed text starts in its document (its
    # quote's first occurrence, plus the printed text's place in the quote): rows of one value
    # start at one place, and two values never start at the same place.
    from rederive.data.register import load_all, normalise_space, quote_offset
    for source in load_all(ROOT):
        text = normalise_space((SEEDS / source.seed).read_text(encoding="utf-8"))
        places: dict[int, set] = {}
        for row, value in zip(source.rows, tallies.same_values(source.rows)):
            places.setdefault(value, set()).add(text.find(normalise_space(row.quote)) + quote_offset(row.quote, row.reported))
        assert all(len(p) == 1 for p in places.values()), source.id
        starts = [next(iter(p)) for p in places.values()]
        assert len(starts) == len(set(starts)), source.id


def test_every_check_is_either_re_derived_or_weak():
    assert checks.RE_DERIVED | checks.WEAK == set(checks.POSSIBLE) - {"none"}
    assert not checks.RE_DERIVED & checks.WEAK


@pytest.fixture(scope="module")
def real():
    return Report(build(ROOT), ROOT)


def test_no_derived_row_of_the_real_ledger_that_reads_a_flagged_value_is_reproduced_or_consistent(real):
    # Oracle, independent of rederive.ledger.travel: a row read is flagged when it expects an outcome
    # outside outcomes.GOOD, or another row of its printed value (here: its quote and printed
    # text) does and is not an agreement between two printings that differ (which does not say
    # which one is wrong); every derived row that read (ledger `inputs`) a flagged row of another
    # printed value must not hold up.
    rows = [r for r in real.rows() if r.role in ("input", "claim")]
    by_id = {r.id: r for r in rows}
    flagged = {(r.source, r.quote, r.reported) for r in rows if r.expected not in outcomes.GOOD
               and (r.check != "agrees_with" or r.expected == outcomes.SUSPECT_IDENTICAL)}
    flagged_rows = {r.id for r in rows if r.expected not in outcomes.GOOD}
    holding = []
    for r in rows:
        own = (r.source, r.quote, r.reported)
        read = [by_id[i] for i in r.inputs if i in by_id and (by_id[i].source, by_id[i].quote, by_id[i].reported) != own]
        if r.check in checks.DERIVED and any(i.id in flagged_rows or (i.source, i.quote, i.reported) in flagged for i in read) \
                and r.outcome in (outcomes.REPRODUCED, outcomes.CONSISTENT):
            holding.append(r.id)
    assert not holding, holding


def test_the_text_copies_and_ranges_the_issue_names_rest_on_their_flagged_cells(real):
    # Oracle: issue 16 and Shen 2025's Tables 1-2: Chong's 11/27 = 40.7% printed "(40)" (truncated)
    # and 6/27 = 22.2% printed "(23)" (rounded up); Hutchings' 20/52 = 38.5% printed "(37)";
    # Cartron's 0.667, which no count of 46 gives.
    expected = {"text_mosun_orr": ("t2_chong8_prior_orr_pct",), "abstract_mosun_orr": ("t2_chong8_prior_orr_pct",),
                "text_mosun_cr": ("t2_chong8_prior_cr_pct",), "abstract_mosun_cr": ("t2_chong8_prior_cr_pct",),
                "discussion_mono_orr_range": ("t2_chong8_prior_orr_pct",),
                "discussion_mono_cr_range": ("t2_chong8_prior_cr_pct",),
                "text_glofit_cr": ("t2_hutchings15_prior_cr_pct",), "refractory_range": ("t1_cartron10_refractory",)}
    for row_id, roots in expected.items():
        row = real.row(row_id)
        assert (row.outcome, row.rests_on) == (outcomes.RESTS_ON_FLAGGED, roots), row_id
    assert real.row("text_glofit_cr").derived == "38.5 to 45.7 from the counts; 37 to 45.7 as printed"
    # the glofitamab ORR range matches its counts (26/52 = 50.0%, 35/46 = 76.1%): it holds up
    assert real.outcome("text_glofit_orr") == outcomes.REPRODUCED


def test_the_status_table_counts_each_printed_value_once_and_its_columns_add_up(real):
    # Oracle: the printed values of the register rows (tallies.same_values, which the test above
    # holds to the documents' own positions), counted here directly: every value once, and the
    # checked ones those with a row that carries a check; the groups and the two kinds each
    # partition the checked values.
    status = real.status()
    rows = [r for r in real.rows() if r.role in ("input", "claim")]  # register rows: not the report's own
    same = tallies.same_values(rows)
    everything = status[status["Source"] == "All sources"].iloc[0]
    assert everything["Printed"] == len(set(same)) < len(rows)
    assert everything["Checked"] == len({v for r, v in zip(rows, same) if r.check != "none"})
    groups = ["Hold up", "Other rounding", "Undecided", "On a flagged value", "Contradicted"]
    for _, line in status.iterrows():
        assert line["Re-derived"] + line["Weak"] == line["Checked"]
        assert sum(line[g] for g in groups) == line["Checked"]
    assert status.drop(columns="Source").iloc[:-1].sum().equals(status.drop(columns="Source").iloc[-1])
    assert len(status.columns) <= 10


def test_the_outcome_breakdown_counts_every_register_row_once(real):
    breakdown = real.outcome_breakdown()
    rows = [r for r in real.rows() if r.role in ("input", "claim")]  # register rows: not the report's own
    assert breakdown["All"].sum() == len(rows)
    assert breakdown.set_index("Outcome").loc[outcomes.RESTS_ON_FLAGGED, "All"] == \
        sum(r.outcome == outcomes.RESTS_ON_FLAGGED for r in rows)
