"""The Quarto book as Quarto reads it, and the prose rule: result numbers come from code."""
import re
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

CONFIG = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))
CHAPTERS = CONFIG["book"]["chapters"] + CONFIG["book"].get("appendices", [])

# Numbers that may appear in prose because they are definitions or illustrations, not results.
ALLOWED = {"0.05", "5%", "1.96", "95%", "22.7%", "22.7", "22.65", "22.75", "22.8", "22.6", "18.0%", "50%",
           "0.5"}  # 0.5: the Freeman-Tukey variance 1/(n + 0.5), a definition


def test_the_book_is_a_quarto_book_with_html_and_typst_and_a_prerender_check():
    assert CONFIG["project"]["type"] == "book"
    assert CONFIG["project"]["execute-dir"] == "project"
    assert "rederive check" in CONFIG["project"]["pre-render"]
    assert set(CONFIG["format"]) == {"html", "typst"}
    assert CONFIG["book"]["author"]  # observed: a Typst book without an author fails in Quarto
    assert all((ROOT / c).exists() for c in CHAPTERS)


def _cells(text: str) -> list[str]:
    return re.findall(r"```\{python\}\n(.*?)```", text, re.DOTALL)


def test_every_chapter_runs_the_one_setup_then_asserts_the_ledger_before_it_shows_a_number():
    for chapter in CHAPTERS:
        first_cell = _cells((ROOT / chapter).read_text(encoding="utf-8"))[0]
        assert "%run chapters/_setup.py" in first_cell, chapter
        assert "assert_as_expected(" in first_cell, chapter


# Chapters read the ledger through Report and format with rederive.core.formatting; they neither take
# a ledger string apart (a change of wording would silently change a table) nor compute a result
# (that is rederive.analyses' job, where it is pinned). Oracle: these patterns in chapter code.
PARSING = re.compile(r"\.split\(|\.rsplit\(|\.partition\(|\bre\.(?:match|search|findall|sub)\(|float\(R\.|int\(R\.")
COMPUTING = re.compile(r"from rederive(?:\.\w+)*(?:\.| import )(?:meta|km|subgroups|checks|rounding|pvalues|survival|"
                       r"derivations|ledger\.ledger|ledger import ledger|sources|analyses|inputs|register)\b|R\.ledger\b")


# Nor do they read anything but the report: no file, environment variable, clock or process.
# The fallback reuses a chapter when its text, the engine and every report answer it read are
# unchanged (rederive.render.incremental); a chapter reading anything else could show it stale.
READING = re.compile(r"\bopen\(|\.read_(?:text|bytes|csv|excel|json|pickle)\(|\bos\.(?:environ|getenv)|\bsubprocess\b|"
                     r"\bdatetime\b|\btime\.(?:time|perf_counter|strftime)\(|\bglob\(|\brandom\.|\bimport random\b")


def test_no_chapter_parses_a_ledger_string_or_computes_a_result():
    offenders = []
    for chapter in CHAPTERS:
        text = (ROOT / chapter).read_text(encoding="utf-8")
        code = "\n".join(_cells(text) + re.findall(r"`\{python\}([^`]*)`", text))
        offenders += [f"{chapter}: {m.group(0)}" for m in PARSING.finditer(code)]
        offenders += [f"{chapter}: {m.group(0)}" for m in COMPUTING.finditer(code)]
        offenders += [f"{chapter}: {m.group(0)}" for m in READING.finditer(code)]
    assert not offenders, offenders


def test_the_lint_itself_catches_parsing_and_computing():
    # The two patterns above must match the forms they exist to forbid (else the test above cannot fail).
    assert PARSING.search('R.derived("x").split(" = ")[1]') and PARSING.search('f("erb_os2").split(" (")[0]')
    assert COMPUTING.search("from rederive import meta") and COMPUTING.search("R.ledger.sources[SOURCE]")
    assert COMPUTING.search("from rederive.stats import meta") and COMPUTING.search("from rederive.checks.km import matching")
    assert COMPUTING.search("from rederive.ledger.ledger import build") and COMPUTING.search("from rederive.ledger import ledger")
    assert not COMPUTING.search("from rederive.ledger import certainty as c")
    assert not PARSING.search("fmt.join(values)") and not COMPUTING.search("from rederive.book.forest import forest")
    assert READING.search('Path("data/x.csv").read_text()') and READING.search("pd.read_csv(p)")
    assert READING.search('os.environ["X"]') and READING.search("datetime.date.today()")
    assert not READING.search("R.rows(source)") and not READING.search("save_figure(fig, name)")
    assert READING.search("random.random()") and not READING.search('"random effects; pooled"')


# Issue 18, item 4: a ledger number in prose is one click from its row. An inline expression
# shows a row's number through n() (Report.number: the link, and its card), never as plain text:
# not f(), R.fmt, R.estimate or R.derived (the plain forms, for tables and other code), nor a
# printed value's `.text` (R.value), nor a printed count (R.count_of). The report's own results
# likewise through own() (Report.result), never read with R.analysis in the expression itself,
# and the report's own statements through says() (Report.statement: the words linked to their
# row, whose card shows the numbers that decide them), never R.says.
# The fallback also refuses these forms, and an own result held in a variable, when it evaluates
# them (rederive.render.execute); the `.text` of a value read in a cell only this sees.
UNLINKED = re.compile(r"(?<![\w.])(?:f|R\.fmt|R\.estimate|R\.derived|R\.count_of|R\.analysis|R\.says)\(|\.text\b")


def test_every_ledger_number_in_prose_is_written_as_a_link_to_its_row():
    # Oracle: the chapters' inline expressions, against the pattern above.
    offenders = []
    for chapter in CHAPTERS:
        text = (ROOT / chapter).read_text(encoding="utf-8")
        offenders += [f"{chapter}: {m.group(0)}" for m in re.finditer(r"(?<!`)`\{python\}([^`]*)`", text)
                      if UNLINKED.search(m.group(1))]
    assert not offenders, offenders


def test_the_unlinked_number_lint_catches_the_plain_forms():
    # The pattern must match the forms it exists to forbid (else the test above cannot fail).
    for plain in ('f("failures_n")', 'R.fmt("x")', 'R.estimate("x")', 'R.derived("x")', "chemo.estimate.text",
                  'str(f("x"))', 'str(R.count_of("x"))', 'fmt.p(R.analysis("a")["b"]["p"])', 'R.says("x")'):
        assert UNLINKED.search(plain), plain
    for linked in ('n("x")', 'n("x", "estimate")', "fmt.fixed(o.estimate, 2)", 'says("x")', "Markdown(reading)",
                   'own("a.b", "p")', 'own_span("a.low", "a.high")'):
        assert not UNLINKED.search(linked), linked


def test_every_figure_has_alt_text_and_a_caption():
    missing = []
    for chapter in CHAPTERS:
        for cell in _cells((ROOT / chapter).read_text(encoding="utf-8")):
            if re.search(r"^#\| label: fig-", cell, re.M):
                for option in ("fig-cap", "fig-alt"):
                    if not re.search(rf"^#\| {option}: \S", cell, re.M):
                        missing.append(f"{chapter}: {option}")
    assert not missing, missing


def _prose(text: str) -> str:
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)  # code cells
    text = re.sub(r"`\{python\}[^`]*`", "", text)  # inline expressions
    text = re.sub(r"\{#[^}]*\}", "", text)  # labels
    return text


def test_result_numbers_in_prose_come_from_inline_code():
    offenders = []
    for chapter in CHAPTERS:
        prose = _prose((ROOT / chapter).read_text(encoding="utf-8"))
        for number in re.findall(r"(?<![\w.-])\d+\.\d+%?|(?<![\w.-])\d+%", prose):
            if number not in ALLOWED:
                offenders.append(f"{chapter}: {number}")
    assert not offenders, f"typed result numbers (write them as inline expressions): {offenders}"


def test_the_synthesis_chapter_follows_every_source_chapter_and_reads_only_the_ledger():
    # The synthesis is placed after the five source chapters and before methods (issue order of
    # reading), carries its cross-reference label, and takes every number from R.
    sources = [c for c in CHAPTERS if re.search(r'SOURCE = "', (ROOT / c).read_text(encoding="utf-8"))]
    synthesis = CHAPTERS.index("chapters/synthesis.qmd")
    assert len(sources) == 5 and all(CHAPTERS.index(c) < synthesis for c in sources)
    assert synthesis < CHAPTERS.index("chapters/methods.qmd")
    text = (ROOT / "chapters" / "synthesis.qmd").read_text(encoding="utf-8")
    assert text.startswith("# What the sources say together {#sec-synthesis}")
    for analysis in ("synthesis_timing_sensitivity", "synthesis_within_trials", "synthesis_sketches",
                     "synthesis_pooled_medians", "synthesis_sequence"):
        assert f'R.analysis("{analysis}")' in text


def test_citation_cff_is_valid_and_agrees_with_the_book_and_the_package():
    # Oracle: the Citation File Format 1.2.0 JSON schema (tests/data/cff-schema-1.2.0.json, as
    # published by the CFF project and shipped in cffconvert), checked with jsonschema; the title
    # and version must be the book's and the package's, so the three cannot drift apart.
    import json
    import tomllib

    import jsonschema
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    schema = json.loads((ROOT / "tests" / "data" / "cff-schema-1.2.0.json").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(json.dumps(cff, default=str)), schema)
    book = CONFIG["book"]
    assert cff["title"] == f"{book['title']}: {book['subtitle']}"
    assert cff["version"] == tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    bad = dict(cff, authors="nobody")  # the validator must reject what the schema forbids
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_citation_cff_lists_every_source_with_the_details_references_bib_gives():
    # Oracle: references.bib, whose entries come from the documents themselves. Every source the
    # report reads (data/*/source.yml) is one reference of CITATION.cff, found by its DOI where
    # references.bib has one, else by its year and first author's family name.
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    bib = (ROOT / "references.bib").read_text(encoding="utf-8")
    keys = [yaml.safe_load(p.read_text(encoding="utf-8"))["citation"] for p in sorted((ROOT / "data").glob("*/source.yml"))]
    assert len(cff["references"]) == len(keys) == 5
    for key in keys:
        entry = bib[bib.index("{" + key + ","):].split("\n}", 1)[0]
        doi = re.search(r"doi\s*=\s*\{([^}]*)\}", entry)
        if doi:
            assert any(str(r.get("doi")) == doi.group(1) or doi.group(1) in r.get("notes", "") for r in cff["references"]), key
        else:
            family = re.search(r"author\s*=\s*\{([^,]+),", entry).group(1)
            assert any(r.get("authors", [{}])[0].get("family-names") == family for r in cff["references"]), key


def test_every_figure_and_table_is_cross_referenced_from_the_text():
    # A reader should be sent to every figure and table; an unreferenced one is easy to miss.
    texts = {c: (ROOT / c).read_text(encoding="utf-8") for c in CHAPTERS}
    everything = "\n".join(texts.values())
    labels = [(c, label) for c, text in texts.items() for label in re.findall(r"^#\| label: ((?:fig|tbl)-[\w-]+)", text, re.M)]
    unreferenced = [f"{c}: {label}" for c, label in labels if not re.search(rf"@{re.escape(label)}(?![\w-])", everything)]
    assert labels and not unreferenced, unreferenced


def test_the_first_use_of_each_glossary_term_on_a_page_links_to_the_glossary():
    # Oracle: rederive.book.glossary.first_uses over each page's source (prose only: not code, quoted
    # words, headings or tables); the first appearance of every term a page uses must be the
    # `term(...)` link, and the glossary must have the anchor every link goes to.
    from rederive.book import glossary
    anchors = set(re.findall(r"\{#gloss-([a-z0-9]+)\}", (ROOT / glossary.PAGE_GLOSSARY).read_text(encoding="utf-8")))
    assert anchors == set(glossary.TERMS.values())
    unlinked = []
    for chapter in CHAPTERS:
        if chapter == glossary.PAGE_GLOSSARY:
            continue
        for key, (position, word, linked) in glossary.first_uses((ROOT / chapter).read_text(encoding="utf-8")).items():
            if not linked:
                unlinked.append(f"{chapter}: {word!r} at character {position}")
    assert not unlinked, unlinked


def test_the_glossary_check_finds_an_unlinked_first_use():
    from rederive.book import glossary
    text = 'The PFS-2 was long; `{python} term("PFS-2")` later.'
    assert glossary.first_uses(text)["pfs2"][2] is False
    assert glossary.first_uses('First `{python} term("PFS-2")`, then PFS-2.')["pfs2"][2] is True
