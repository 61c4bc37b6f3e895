"""The register: quotes are verbatim, and bad input fails once, naming file, row and column."""
import csv
import re

import pytest

import conftest
from conftest import ROOT, SEEDS, rederive_in_process, run_rederive
from rederive.data.register import load_all, normalise_space

CLAIMS = "data/descart2022/claims.csv"


def read_rows(project, rel=CLAIMS):
    with (project / rel).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def write_rows(project, rows, rel=CLAIMS):
    conftest.write_rows(project / rel, rows)


def test_every_quote_occurs_verbatim_in_the_version_of_the_document_its_row_names():
    # Oracle: the text copies themselves. A row (or a printed table) that names a later version of
    # its document (source.yml `versions`, the register's `document` column) is read against that
    # version's copy, the others against `seed`'s, as `check` reads them.
    if not SEEDS.is_dir():
        pytest.skip(f"seed documents not present at {SEEDS} (they are never shipped with the project)")
    for source in load_all(ROOT):
        def text(version):
            return normalise_space((SEEDS / source.seed_of(version)).read_text(encoding="utf-8"))
        missing = [f"{row.id} ({source.seed_of(row.document)})" for row in source.rows
                   if normalise_space(row.quote) not in text(row.document)]
        assert not missing, f"{source.id}: quotes not verbatim in their documents: {missing}"
        for table in source.tables.values():
            rows = [r["line"] for r in table.rows if normalise_space(r["quote"]) not in text(table.document)]
            assert not rows, f"{table.file}: rows not verbatim in {source.seed_of(table.document)}: lines {rows}"


def test_a_table_cell_that_is_not_in_its_printed_row_is_bad_input(project):
    path = project / "data/shen2025/table2.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Mosunetuzumab,11(40),6(23)", "Mosunetuzumab,12(40),6(23)", 1), encoding="utf-8")
    done = run_rederive(project, "check")
    assert done.returncode == 2
    assert "data/shen2025/table2.csv:2 [orr]: '12(40)' is not in the row's quote" in done.stderr


def test_a_malformed_register_reports_every_problem_at_once_with_file_row_and_column(project):
    rows = read_rows(project)
    rows[0]["role"] = "guess"                        # line 2
    rows[1]["reported"] = "about 238"                # line 3: does not parse
    rows[2]["expected"] = "discrepancy"              # line 4: outcome needs a note
    rows[3]["check"] = "percentage"                  # line 5: unknown check
    write_rows(project, rows)
    done = rederive_in_process(project, "check")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    for line, column in [(2, "role"), (3, "reported"), (4, "note"), (5, "check")]:
        assert re.search(rf"{CLAIMS}:{line} \[{column}\]: ", done.stderr), (line, column, done.stderr)
    problem_lines = [l for l in done.stderr.splitlines() if l.startswith("  ")]
    assert len(problem_lines) == 4  # one line per problem


def test_a_printed_malformed_value_needs_a_documented_correction(project):
    rows = read_rows(project)
    target = next(r for r in rows if r["corrected"])
    target["corrected"] = ""
    write_rows(project, rows)
    done = rederive_in_process(project, "check")
    assert done.returncode == 2
    assert "[reported]: cannot parse" in done.stderr and "4.0.6" in done.stderr


def test_an_unquoted_comma_is_reported_as_surplus_fields(project):
    path = project / CLAIMS
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5] + ",surplus"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = rederive_in_process(project, "check")
    assert done.returncode == 2 and f"{CLAIMS}:6 [-]: 1 field(s) more" in done.stderr


def test_a_claim_without_a_derivation_fails_coverage(project):
    rows = read_rows(project)
    extra = dict(rows[2], id="orphan_claim_pct")  # a percent_of_counts claim nobody derives
    write_rows(project, rows + [extra])
    done = rederive_in_process(project, "check")
    assert done.returncode == 2 and "claim 'orphan_claim_pct' (percent_of_counts) has no derivation" in done.stderr


def test_a_derivation_without_a_row_fails_coverage(project):
    rows = [r for r in read_rows(project) if r["id"] != "timing_sum"]
    write_rows(project, rows)
    done = rederive_in_process(project, "check")
    assert done.returncode == 2 and "data/descart2022/claims.csv [id]: no row 'timing_sum', which src/rederive/sources/descart2022.py derives" in done.stderr


def test_duplicate_ids_are_rejected(project):
    rows = read_rows(project)
    write_rows(project, rows + [rows[0]])
    done = rederive_in_process(project, "check")
    assert done.returncode == 2 and "duplicate id 'infused_n'" in done.stderr


def _quotations(prose: str) -> list[str]:
    """Passages of three or more words in double quotes, in a chapter's prose (not code)."""
    prose = re.sub(r"```.*?```", "", prose, flags=re.DOTALL)
    prose = re.sub(r"`\{python\}[^`]*`", "NUMBER", prose)
    prose = re.sub(r"\{[^}]*\}", "", prose)  # attributes: a callout's title is not a quotation
    return [q for q in re.findall(r'"([^"]+)"', prose) if len(q.split()) >= 3 and "NUMBER" not in q]


@pytest.mark.skipif(not SEEDS.exists(), reason="the source documents (../shared/seeds/) are not present; they are never shipped")
def test_quotations_in_a_source_chapters_prose_are_verbatim_in_its_source():
    # Oracle: the seed text named in the chapter's source.yml, with white space folded. A chapter
    # names its source in its first cell (SOURCE = "..."); prose quotations of three or more
    # words must occur there word for word.
    import yaml
    config = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))
    missing, checked = [], 0
    for chapter in config["book"]["chapters"]:
        text = (ROOT / chapter).read_text(encoding="utf-8")
        m = re.search(r'SOURCE = "(\w+)"', text)
        if not m:
            continue
        meta = yaml.safe_load((ROOT / "data" / m.group(1) / "source.yml").read_text(encoding="utf-8"))
        seed = normalise_space((SEEDS / meta["seed"]).read_text(encoding="utf-8"))
        for quote in _quotations(text):
            checked += 1
            if normalise_space(quote) not in seed:
                missing.append(f"{chapter}: {quote!r}")
    assert checked >= 10 and not missing, missing


@pytest.mark.skipif(not SEEDS.exists(), reason="the source documents (../shared/seeds/) are not present; they are never shipped")
def test_check_refuses_a_number_edited_together_with_its_quote_where_the_documents_are_present(project):
    # A maintainer's consistent edit (quote and number changed alike) passes every arithmetic
    # check; only the document shows it is not what the source printed.
    claims = project / "data" / "descart2022" / "claims.csv"
    text = claims.read_text(encoding="utf-8")
    claims.write_text(text.replace("238 (43.3%) experienced", "238 (44.3%) experienced").replace(",43.3%,", ",44.3%,"), encoding="utf-8")
    seeds = {"REDERIVE_SEEDS": str(SEEDS)}
    done = rederive_in_process(project, "check", env=seeds)
    assert done.returncode == 2, done.stdout[-500:]
    assert re.search(r"data/descart2022/claims.csv:\d+ \[quote\]: not verbatim in 002_", done.stderr), done.stderr


@pytest.mark.skipif(not SEEDS.exists(), reason="the source documents (../shared/seeds/) are not present; they are never shipped")
def test_a_source_document_named_in_source_yml_that_does_not_exist_is_bad_input(project):
    meta = project / "data" / "tongren2025" / "source.yml"
    meta.write_text(re.sub(r"seed: .*", "seed: 009_no_such_document.txt", meta.read_text(encoding="utf-8")), encoding="utf-8")
    done = rederive_in_process(project, "check", env={"REDERIVE_SEEDS": str(SEEDS)})
    assert done.returncode == 2 and "data/tongren2025/source.yml [seed]" in done.stderr, done.stderr


def test_check_says_when_it_could_not_verify_quotes(project, tmp_path):
    done = rederive_in_process(project, "check", env={"REDERIVE_SEEDS": str(tmp_path / "nowhere")})
    assert done.returncode == 0 and "quotes: not verified" in done.stdout
