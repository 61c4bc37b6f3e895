"""A render publishes only a book made from what is on disk, and _quarto.yml's strings reach HTML
and Typst as text (issue 20, item 3)."""
import pytest

from rederive.render.errors import RenderError
from rederive.render.publish import OUTPUT_DIR, publish, snapshot, staging_folder


def _staged(project):
    staging = staging_folder(project)
    (staging / "index.html").write_text("<p>new</p>\n", encoding="utf-8")
    (project / OUTPUT_DIR).mkdir()
    (project / OUTPUT_DIR / "index.html").write_text("<p>the last good render</p>\n", encoding="utf-8")
    return staging


@pytest.mark.parametrize("edit, named", [
    (lambda p: (p / "data/tongren2025/claims.csv").write_text(
        (p / "data/tongren2025/claims.csv").read_text(encoding="utf-8") + "\n", encoding="utf-8"), "data/"),
    (lambda p: (p / "chapters/_setup.py").write_text(
        (p / "chapters/_setup.py").read_text(encoding="utf-8") + "\n", encoding="utf-8"), "the chapters"),
])
def test_a_render_whose_inputs_changed_while_it_ran_is_not_published(project, edit, named):
    # Oracle: the snapshot taken at the start differs from the tree at publishing time, so the
    # last good book stays byte for byte and the one-line error names what changed.
    started = snapshot(project)
    staging = _staged(project)
    edit(project)
    with pytest.raises(RenderError, match=f"^{named}.* changed on disk while the render ran; nothing was published"):
        publish(staging, project, started)
    assert (project / OUTPUT_DIR / "index.html").read_text(encoding="utf-8") == "<p>the last good render</p>\n"


def test_a_render_whose_inputs_did_not_change_is_published(project):
    started = snapshot(project)
    publish(_staged(project), project, started)
    assert (project / OUTPUT_DIR / "index.html").read_text(encoding="utf-8") == "<p>new</p>\n"


HOSTILE = 'A <b onmouseover="x">title</b> #panic("typst ran") [x] $y$ @z *w* \\ "q"'


def test_the_title_reaches_the_pdf_header_as_text(tmp_path):
    # Oracle: the Typst preamble compiles and the second page's header shows the title's characters.
    import pypdf
    import typst

    from rederive.render.config import Book
    from rederive.render.fallback import _typst_preamble
    book = Book(HOSTILE, "", "a", "o", [], None, [], [], True, True, True)
    source = tmp_path / "t.typ"
    source.write_text(_typst_preamble(book) + "\nfirst\n#pagebreak()\nsecond\n", encoding="utf-8")
    typst.compile(str(source), output=str(tmp_path / "t.pdf"))
    header = pypdf.PdfReader(tmp_path / "t.pdf").pages[1].extract_text()
    assert '#panic("typst ran") [x] $y$ @z *w*' in header


def test_the_front_pages_citation_title_is_literal_markdown():
    # Oracle: rederive.book.escape's rule, a backslash before every character that starts markup.
    from rederive.book.citation import Citation
    cite = Citation(HOSTILE, "a", "1", None, None)
    assert "<b" not in cite.title_markdown.replace("\\<b", "")
    assert cite.title_markdown.startswith("A \\<b onmouseover=\"x\"\\>title\\</b\\> \\#panic")


def test_a_papersize_that_is_not_a_name_is_refused(tmp_path):
    from conftest import ROOT

    from rederive.render.config import load_book
    from rederive.core.paths import copy_project
    project = copy_project(ROOT, tmp_path / "p")
    config = project / "_quarto.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("papersize: a4", "papersize: 'a4\", margin: 0'"),
                      encoding="utf-8")
    with pytest.raises(RenderError, match="papersize"):
        load_book(project)


def test_a_stylesheet_outside_the_project_is_refused_as_the_site_publishes_it_at_its_path(tmp_path):
    # Oracle: the fallback's site publishes _quarto.yml's css at its path in the project
    # (rederive.render.site.stylesheets): "../book.css" would be written outside the site.
    from conftest import ROOT

    from rederive.render.config import load_book
    from rederive.core.paths import copy_project
    project = copy_project(ROOT, tmp_path / "p")
    (tmp_path / "book.css").write_text("p {}", encoding="utf-8")
    config = project / "_quarto.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("css: theme/book.css", "css: ../book.css"),
                      encoding="utf-8")
    with pytest.raises(RenderError, match=r"css: \.\./book\.css is outside the project"):
        load_book(project)


def test_the_pdfs_markdown_leaves_out_the_web_part_of_linked_numbers_and_gives_the_same_typst(tmp_path):
    # Oracle: pandoc itself, with the fallback's Typst arguments and Lua filter: a paragraph of
    # linked numbers (rederive.report.number_link, with cards holding brackets, emphasis and code)
    # gives the same Typst whether their web parts are left to the filter to drop or are left out
    # beforehand (fallback._without_web_parts); and what is left out is only the web part.
    from conftest import ROOT

    from rederive.render import fallback
    from rederive.render.config import load_book
    from rederive.report import number_link
    book = load_book(ROOT)
    cards = [["Shen 2025, results: “ORR 54.5% \\[95% CI\\]”", "Derived: *exact* (check: `ci_consistency`)"],
             ["The report's own statement", "Outcome: *holds*; ledger row `says.x`"]]
    paragraph = ("Rates of " + number_link("shen_orr", "54.5%", cards[0], "ledger-card-1") + " and "
                 + number_link("says.x", "every fit", cards[1], "ledger-card-2") + " in **all**.\n")
    short = fallback._without_web_parts(paragraph)
    assert short == ("Rates of [[54.5%](#row-shen_orr)]{.content-visible unless-format=\"html\"} and "
                     "[[every fit](#row-says.x)]{.content-visible unless-format=\"html\"} in **all**.\n")
    as_typst = [fallback._pandoc(text, "typst", book, tmp_path, []) for text in (paragraph, short)]
    assert as_typst[0] == as_typst[1] and "#link(<row-shen_orr>)[54.5%]" in as_typst[0]


def test_a_numbers_card_lines_reach_the_web_page_as_spans_of_their_text_even_ending_in_code(tmp_path):
    # Oracle: pandoc itself. Each card line (raw HTML around Markdown text, report.number_link)
    # becomes one span.ledger-card-line holding the line's text as Markdown renders it, code
    # included; a line ending in code once ran its closing backtick into the raw tag's, leaving
    # backticks on the page and the span unclosed.
    import re

    from conftest import ROOT

    from rederive.render import fallback
    from rederive.render.config import load_book
    from rederive.report import number_link
    card = ["Shen 2025, results: “ORR 54.5% \\[95% CI\\]”", "Outcome: *holds*; ledger row `says.x`"]
    html = fallback._pandoc(number_link("says.x", "every fit", card, "ledger-card-1") + "\n", "html",
                            load_book(ROOT), tmp_path, [])
    lines = re.findall(r'<span class="ledger-card-line">(.*?)</span>', html, re.S)
    assert [" ".join(line.split()) for line in lines] == [
        "Shen 2025, results: “ORR 54.5% [95% CI]”", "Outcome: <em>holds</em>; ledger row <code>says.x</code>"]
    assert "`" not in html
