"""The coverage audit: every number a source document prints is registered or excluded for a
stated reason, and no exclusion can hide a result."""
from pathlib import Path

import pytest

from rederive.data import exclusions
from rederive.ledger import coverage
from rederive.core.types import Problem, Source

from conftest import SEEDS, rederive_in_process, run_rederive

NEEDS_SEEDS = pytest.mark.skipif(not SEEDS.exists(), reason="the source documents (../shared/seeds/) are not present; they are never shipped")


def _source(quotes=()) -> Source:
    from rederive.core.types import Row
    rows = [Row(source="s", file="data/s/claims.csv", line=i + 2, id=f"r{i}", location="x", quote=q,
                reported="1", corrected="", role="input", check="none", expected="input", note="", value=None)
            for i, q in enumerate(quotes)]
    return Source(id="s", short="S", title="", seed="doc.txt", citation="", directory=Path("data/s"),
                  rows=rows, tables={})


def _exclusion(context, reason="definition or threshold", through="") -> exclusions.Exclusion:
    return exclusions.Exclusion(file="data/s/exclusions.csv", line=2, context=context, through=through,
                                reason=reason, note="")


def test_numbers_are_found_by_the_documented_rules():
    # Oracle: the numbers a reader sees in this sentence, listed by hand; CD19, PFS-2, NCT0... and
    # the glued citation "infusion.1" are names or references, not printed numbers.
    text = ("Among 238 (43.3%) patients aged 34–65 (M:F = 6:6), Nine trials of CD19 CAR T cells "
            "reported PFS-2 after infusion.1 with P = .01 and ninety-five percent CIs (NCT02500407).")
    assert [n.text for n in coverage.numbers(text)] == ["238", "43.3", "34", "65", "6", "6", "Nine", ".01", "ninety-five"]


def test_one_counts_only_before_a_unit_the_sources_count_in():
    # "one of your lists" is a pronoun; "one trial" is a count.
    assert [n.text for n in coverage.numbers("save it to one of your lists; one trial lacked data")] == ["one"]


@pytest.mark.parametrize("text, context, kind", [
    ("Among 550 patients registered", "Among 550 patients", "a count"),
    ("the ORR was 43.3% in all", "the ORR was 43.3%", "a rate"),
    ("worse with high LDH (P = .01)", "(P = .01)", "a P value"),
    ("an HR of 2.10 for LDH", "an HR of 2.10", "a ratio"),
    ("after a median follow-up of 7.9 months", "median follow-up of 7.9 months", "a median"),
    ("responded (17 of 120) overall", "(17 of 120)", "a count"),
])
def test_an_exclusion_may_not_cover_a_result(text, context, kind):
    # Oracle: each number is, by the definition, a result (rate, count, P, ratio, median);
    # an exclusion over it must be refused with a located message, whatever reason it gives.
    problems: list[Problem] = []
    coverage.audit_source(_source(), text, [_exclusion(context, reason="date")], problems)
    problems = [p for p in problems if p.column == "context"]  # (a "reason" misfit may come too: "120" is no date)
    assert len(problems) == 1 and f"reads as {kind}" in problems[0].message
    assert problems[0].file == "data/s/exclusions.csv" and problems[0].row == 2


@pytest.mark.parametrize("text, context", [
    ("Patients were evaluated at D30, 90, 180 and 360", "evaluated at D30, 90, 180 and 360"),
    ("at least 10 patients in the study arm", "at least 10 patients"),
    ("higher rates of grade 3/4 cytopenia", "grade 3/4 cytopenia"),
    ("with their corresponding 95% confidence intervals", "corresponding 95% confidence intervals"),
])
def test_definitions_and_thresholds_may_be_excluded(text, context):
    problems: list[Problem] = []
    audit = coverage.audit_source(_source(), text, [_exclusion(context)], problems)
    assert not problems and not audit.unaccounted and audit.excluded_total == len(coverage.numbers(text))


def test_a_number_inside_a_registered_quote_is_registered_and_the_rest_are_listed():
    text = "Among 550 patients, 238 relapsed. Released 15 December 2022."
    audit = coverage.audit_source(_source(["Among 550 patients, 238 relapsed."]), text, [], [])
    assert (audit.printed, audit.registered) == (4, 2)
    assert [n.text for n, _ in audit.unaccounted] == ["15", "2022"]
    assert "[2022]" in audit.unaccounted[1][1]


def test_an_exclusion_spans_through_its_end_marker():
    text = "Results 12 patients. References 1. Smith 2020;4:1-9. 2. Jones 2019. Author notes."
    audit = coverage.audit_source(_source(["Results 12 patients."]), text,
                                  [_exclusion("References 1.", reason="reference list", through="Jones 2019.")], [])
    assert not audit.unaccounted and audit.excluded["reference list"] == 7


def test_an_exclusion_that_is_not_verbatim_is_bad_input():
    problems: list[Problem] = []
    coverage.audit_source(_source(), "printed 2022", [_exclusion("printed 2021", reason="date")], problems)
    assert problems and problems[0].column == "context" and "not verbatim" in problems[0].message


def test_a_reason_outside_the_fixed_list_is_bad_input(tmp_path):
    (tmp_path / "exclusions.csv").write_text("context,through,reason,note\nprinted 2022,,convenience,\n")
    problems: list[Problem] = []
    assert exclusions.load(tmp_path, tmp_path, problems) == []
    assert problems[0].row == 2 and problems[0].column == "reason" and "convenience" in problems[0].message


@NEEDS_SEEDS
def test_every_number_the_sources_print_is_accounted_for(project):
    # Oracle: the requirement, 0 unaccounted in all five documents, exit 0.
    done = run_rederive(project, "coverage", env={"REDERIVE_SEEDS": str(SEEDS)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok: every printed number is registered or excluded" in done.stdout


@NEEDS_SEEDS
def test_coverage_lists_what_a_removed_exclusion_leaves_unaccounted_and_exits_1(project):
    path = project / "data" / "tongren2025" / "exclusions.csv"
    path.write_text("\n".join(line for line in path.read_text().splitlines() if "7.5 cm" not in line) + "\n")
    done = rederive_in_process(project, "coverage", env={"REDERIVE_SEEDS": str(SEEDS)})
    assert done.returncode == 1
    assert "tongren2025 (001_c3ef3cdb8aacab1b.txt): 1 unaccounted" in done.stdout and "[7.5]" in done.stdout


@NEEDS_SEEDS
def test_coverage_refuses_an_exclusion_over_a_result_with_exit_2(project):
    path = project / "data" / "shumilov2025" / "exclusions.csv"
    path.write_text(path.read_text() + "the overall response rate (ORR) to BsAb therapy was 43%,,date,\n")
    done = rederive_in_process(project, "coverage", env={"REDERIVE_SEEDS": str(SEEDS)})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "data/shumilov2025/exclusions.csv:9 [context]: an exclusion may not cover a result: '43' reads as a rate" in done.stderr


@pytest.mark.parametrize("text, context, reason, refused", [
    # Oracle: the reason's own meaning. A date is a year, a day or year beside a month, a numeric
    # date; a reference number is no measure and no value given for an outcome.
    ("The median was not stated; a PFS of 10.5 months was seen.", "a PFS of 10.5 months", "date", True),
    ("Patients were enrolled in May 2021 and followed.", "in May 2021", "date", False),
    ("Data cut-off 12/05/2023 was used.", "12/05/2023", "date", False),
    ("Responses were durable, ORR 45 overall.", "ORR 45 overall", "reference or citation number", True),
    ("Responses lasted 14 months in most.", "lasted 14 months", "reference or citation number", True),
    ("Responses were durable (14) in most.", "durable (14)", "reference or citation number", False),
    ("as in the complete response (CR) (8-16) data", "(8-16)", "reference or citation number", False),
])
def test_an_exclusion_whose_reason_does_not_fit_the_number_is_refused(text, context, reason, refused):
    from pathlib import Path

    from rederive.ledger.coverage import audit_source
    from rederive.data.exclusions import Exclusion
    from rederive.core.types import Source
    source = Source(id="x", short="x", title="x", seed="x.txt", citation="x", directory=Path("."))
    problems = []
    audit_source(source, text, [Exclusion("data/x/exclusions.csv", 2, context, "", reason, "")], problems)
    reasons = [p for p in problems if p.column == "reason"]
    assert bool(reasons) == refused, problems
    if refused:
        assert f"{reason!r} does not fit" in str(reasons[0]) and "data/x/exclusions.csv:2 [reason]" in str(reasons[0])


@NEEDS_SEEDS
def test_the_cached_audit_is_the_audit_and_follows_a_changed_document_or_register(project, tmp_path):
    # Oracle: coverage.run, uncached, on the same tree and documents. The render asks for the
    # audit through the cache (Report.coverage); a document that gains a number, or an exclusion
    # removed from a register, must change what the cache gives, exactly as they change `run`.
    import shutil
    seeds = Path(shutil.copytree(SEEDS, tmp_path / "seeds"))

    def summary(audits):
        return [(a.source, a.printed, a.registered, dict(a.excluded), [n.text for n, _ in a.unaccounted]) for a in audits]
    assert summary(coverage.run_cached(project, seeds)[0]) == summary(coverage.run(project, seeds)[0])
    assert summary(coverage.run_cached(project, seeds)[0]) == summary(coverage.run(project, seeds)[0])  # from the cache
    source = next(s for s in coverage.load_all(project) if (seeds / s.current_seed).is_file())
    with (seeds / source.current_seed).open("a", encoding="utf-8") as document:
        document.write("\nA later addendum: 987654 patients.\n")
    cached = summary(coverage.run_cached(project, seeds)[0])
    assert cached == summary(coverage.run(project, seeds)[0]) and any("987654" in a[4] for a in cached)
    exclusions_csv = project / "data" / source.id / "exclusions.csv"
    lines = exclusions_csv.read_text(encoding="utf-8").splitlines(keepends=True)
    exclusions_csv.write_text("".join(lines[:1] + lines[2:]), encoding="utf-8")  # one exclusion fewer
    after = summary(coverage.run_cached(project, seeds)[0])
    assert after == summary(coverage.run(project, seeds)[0]) and after != cached
