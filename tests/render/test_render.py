"""The fallback renderer: same chapters, real kernel, HTML and PDF; fails loudly, keeps the last good render."""
import re
from contextlib import contextmanager

import pytest

from conftest import ROOT, run_rederive

CLAIMS = "data/descart2022/claims.csv"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, shared_render):
    """This module's own copy of the session's one render (conftest.shared_render), of a project
    with hostile register text planted; tests may edit and re-render it."""
    return shared_render(tmp_path_factory.mktemp("render"), _plant_hostile_register_text)


@pytest.fixture(scope="module")
def pdf_pages(rendered):
    """The rendered PDF's text layer, page by page, read once for the tests below (PyMuPDF, a
    pinned pip package: poppler's pdftotext is not on a fresh machine, and a test once failed
    there; pypdf read the same text in 7 s a test, PyMuPDF in 0.4 s)."""
    pymupdf = pytest.importorskip("pymupdf", reason="PyMuPDF is not installed")
    project, _ = rendered
    with pymupdf.open(project / "_book" / "rederive-car-t-failure.pdf") as doc:
        return [page.get_text() for page in doc]


HOSTILE_NOTE = "<script>alert(1)</script> <b>bold</b> & *star* _under_ `tick` @shen2025 @nosuchkey"
HOSTILE_LOCATION = "summary <i>it</i> & @name"


def _plant_hostile_register_text(project):
    """A finding's note and location as a careless or hostile maintainer might write them; the
    escaping test below reads how they come out. (Notes and locations feed no check.)"""
    from conftest import read_rows, write_rows
    path = project / "data" / "erbella2025" / "claims.csv"
    rows = read_rows(path)
    for r in rows:
        if r["id"] == "erb_orr":
            r["note"], r["location"] = HOSTILE_NOTE, HOSTILE_LOCATION
    write_rows(path, rows)


def test_register_text_reaches_html_and_pdf_as_text_never_as_markup(rendered, pdf_pages):
    # Oracle: the planted note and location (HOSTILE_*): in the HTML each markup character must
    # appear escaped (no live <script>, <b> or <i> element, no citation link), in the PDF as the
    # same characters.
    import html
    project, done = rendered
    assert done.returncode == 0, done.stderr[-3000:]
    for page in ("chapters/erbella-2025.html", "chapters/ledger.html"):
        text = (project / "_book" / page).read_text(encoding="utf-8")
        assert "<script>alert(1)" not in text and "<b>bold</b>" not in text and "<i>it</i>" not in text
        assert html.escape("<script>alert(1)</script>", quote=False) in text, page
        assert "@nosuchkey" in text and "*star*" in text and "_under_" in text and "`tick`" in text, page
    flat = " ".join(" ".join(pdf_pages).split())  # the PDF's text layer
    assert "<script>alert(1)</script>" in flat and "@nosuchkey" in flat and "*star*" in flat


def test_fallback_names_itself_on_the_first_line(rendered):
    _, done = rendered
    assert done.stdout.splitlines()[0].startswith("Renderer: fallback") and "NOT Quarto" in done.stdout.splitlines()[0]


def test_fallback_render_executes_every_chapter_and_writes_html_and_pdf(rendered):
    project, done = rendered
    assert done.returncode == 0, done.stderr
    for chapter in ["index.qmd", "chapters/descart-2022.qmd", "chapters/methods.qmd", "chapters/ledger.qmd"]:
        assert f"executing {chapter}" in done.stdout
    html = (project / "_book" / "index.html").read_text(encoding="utf-8")
    pdf = (project / "_book" / "rederive-car-t-failure.pdf").read_bytes()
    assert "<h1" in html
    assert pdf.startswith(b"%PDF") and len(pdf) > 50_000
    assert (project / "_book" / "ledger.csv").exists() and (project / "_book" / "ledger.json").exists()
    assert "Rendered without Quarto" in html


def _pages(project):
    return {str(p.relative_to(project / "_book")): p.read_text(encoding="utf-8")
            for p in sorted((project / "_book").rglob("*.html")) if "pagefind" not in p.parts}


def test_html_has_resolved_crossrefs_inline_values_citations_and_callouts(rendered):
    project, _ = rendered
    html = _pages(project)["chapters/descart-2022.html"]
    assert 'href="#fig-descart-timing">Figure 1.1<' in html
    assert 'href="#tbl-descart-baseline">Table 1.1<' in html
    assert "{python}" not in html
    # inline expressions, evaluated: "238 of them (43.3%)", each number a link to its ledger row
    # with its card (Report.number)
    assert re.search(r'<a href="ledger\.html#row-failures_n" aria-describedby="ledger-card-\d+">238</a>'
                     r'<span id="ledger-card-\d+" class="ledger-card" role="tooltip"[^>]*>.*?</span></span></span> of them '
                     r'\(<span class="ledger-number"><a href="ledger\.html#row-failures_pct"[^>]*>43\.3%</a>', html)
    assert 'href="#ref-diblasi2022"' in html and "Di Blasi" in html  # citeproc, citations linked
    assert 'class="callout-warning callout"' in html
    # the figure, linked from the page as Quarto's pages link theirs, and published in the site
    figure = re.search(r'<img[^>]*src="\.\./(figures/descart-2022-[\w-]+\.png)"', html)
    assert figure and (project / "_book" / figure.group(1)).is_file()
    for page in _pages(project).values():
        assert not re.search(r"@(fig|tbl|sec)-", page)


def test_the_fallback_site_has_a_page_per_chapter_with_navigation_search_and_cross_page_links(rendered):
    # Oracle: Quarto's book layout (QUARTO-NOTES.md): index.html plus chapters/<chapter>.html.
    import yaml
    project, _ = rendered
    book = yaml.safe_load((project / "_quarto.yml").read_text(encoding="utf-8"))["book"]
    chapters = book["chapters"] + book.get("appendices", [])
    pages = _pages(project)
    assert set(pages) == {c.replace(".qmd", ".html") for c in chapters}
    for page, html in pages.items():
        assert html.count('<nav id="book-sidebar"') == 1 and 'class="pager"' in html and 'id="TOC"' in html
        assert "Rendered without Quarto" in html
    synthesis = pages["chapters/synthesis.html"]
    assert 'href="shumilov-2025.html#sec-shum-reconstruction"' in synthesis  # a cross-reference to another page
    assert 'href="chapters/descart-2022.html#sec-descart"' in pages["index.html"]
    assert re.search(r'<details class="code-fold"[^>]*>\s*<summary>\s*Code\s*</summary>', synthesis)
    assert (project / "_book" / "pagefind" / "pagefind-ui.js").exists()
    assert len(list((project / "_book" / "pagefind" / "fragment").iterdir())) >= len(chapters)


@contextmanager
def edited(path, new_text):
    """Replace a file's text for the duration of a test, then restore it."""
    old = path.read_text(encoding="utf-8")
    path.write_text(new_text(old), encoding="utf-8")
    try:
        yield
    finally:
        path.write_text(old, encoding="utf-8")


def _snapshot(project):
    """Every file of the published book and of figures/, by path, as bytes."""
    return {str(p.relative_to(project)): p.read_bytes()
            for folder in ("_book", "figures") for p in sorted((project / folder).rglob("*")) if p.is_file()}


def test_one_render_builds_the_ledger_once_and_every_chapter_loads_it(rendered):
    # Oracle: REDERIVE_BUILD_LOG gets a line per build; the pre-render check is the only one.
    _, done = rendered
    assert len(done.builds) == 1, done.builds


def test_the_render_publishes_figures_for_citing_with_the_book(rendered):
    project, _ = rendered
    pngs = sorted(p.name for p in (project / "figures").glob("*.png"))
    assert "descart2022-outcomes-by-timing.png" in pngs and len(pngs) >= 7
    assert not list(project.glob("_book.tmp-*"))


def test_a_render_with_nothing_changed_writes_nothing_and_keeps_the_book(rendered):
    # Oracle: the book's files before and after, byte for byte, and the render log: every chapter
    # reused, no pandoc, Typst or Pagefind step (the build key matches the published book's).
    project, _ = rendered
    before = _snapshot(project)
    done = run_rederive(project, "render", "--fallback")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "nothing changed since the last render" in done.stdout and "writing HTML" not in done.stdout
    assert "executing" not in done.stdout
    assert _snapshot(project) == before


def test_the_front_page_says_how_to_cite_with_version_and_google_scholar_tags(rendered):
    project, _ = rendered
    html = (project / "_book" / "index.html").read_text(encoding="utf-8")
    import tomllib
    version = tomllib.loads((project / "pyproject.toml").read_text())["project"]["version"]
    assert 'id="how-to-cite"' in html and "@misc" in html and f"version {version}" in html
    assert '<meta name="citation_title" content="After CAR T-cell failure in large B-cell lymphoma' in html


def test_a_changed_number_fails_the_render_and_keeps_the_last_good_book_and_figures(rendered):
    project, _ = rendered
    good = _snapshot(project)
    with edited(project / CLAIMS, lambda text: text.replace("238 (43.3%) experienced", "238 (44.3%) experienced")
                                                 .replace(",43.3%,", ",44.3%,")):
        done = run_rederive(project, "render", "--fallback")
    assert done.returncode == 1
    assert "failures_pct" in done.stdout and "pre-render" in done.stderr
    assert _snapshot(project) == good


def test_a_failure_after_figures_were_drawn_keeps_the_last_good_figures(rendered):
    # A cell that fails in the last chapter, after every figure was saved: figures/ must not change.
    project, _ = rendered
    good = _snapshot(project)
    broken = "\n```{python}\nraise ValueError('late')\n```\n"
    with edited(project / "chapters" / "ledger.qmd", lambda text: text + broken):
        done = run_rederive(project, "render", "--fallback")
    assert done.returncode == 1 and "late" in done.stderr
    assert _snapshot(project) == good
    assert not [p for p in project.iterdir() if p.name.startswith("_book.")]


def test_the_fallback_refuses_a_cell_option_it_does_not_implement_by_name(rendered):
    project, _ = rendered
    cell = "\n```{python}\n#| label: tbl-x\n#| tbl-colwidths: [10, 90]\n1\n```\n"
    with edited(project / "chapters" / "methods.qmd", lambda text: text + cell):
        refused = _refused_as_written(project)
    assert "tbl-colwidths" in refused and refused.startswith("chapters/methods.qmd, cell "), refused


def _refused_as_written(project) -> str:
    """What the fallback says of a book it refuses as written, before any kernel starts (a render
    prints it after "render failed: " and exits 1 without executing a chapter, as
    test_an_unresolved_crossref_fails_the_render_before_any_chapter_runs shows), from the render's
    own check (fallback.check_as_written) in this process rather than a whole render: no render
    process, pre-render check, fork server or standby kernel, about 3 CPU-s less a test."""
    from rederive.render.config import load_book
    from rederive.render.errors import RenderError
    from rederive.render.fallback import check_as_written
    with pytest.raises(RenderError) as caught:
        check_as_written(project, load_book(project))
    return str(caught.value)


def _refused_as_executed(project, rel: str) -> str:
    """What the fallback says of a chapter it refuses as it executes it (a render prints it after
    "render failed: " and exits 1, as test_a_cell_exception_fails_naming_chapter_and_cell shows),
    from the chapter's execution in this process rather than a whole render: no render process,
    no pre-render check, about 2 CPU-s less a test."""
    from rederive.render.errors import RenderError
    from rederive.render.execute import execute_chapter
    with pytest.raises(RenderError) as caught:
        execute_chapter(project, rel)
    return str(caught.value)


def test_the_fallback_refuses_the_inline_forms_quarto_prints_as_source_text_naming_file_and_line(rendered):
    # Oracle: QUARTO-NOTES.md (Quarto 1.10.18): an inline expression right after another, and one
    # whose value is empty, come out as source text; the fallback must refuse both. The first is
    # refused by its text, by the render before any chapter runs (executed, it would print "ab");
    # "abc"[:0] gives "" only when evaluated, so its chapter's execution refuses it.
    project, _ = rendered
    methods = project / "chapters" / "methods.qmd"
    line = len(methods.read_text(encoding="utf-8").splitlines()) + 2
    with edited(methods, lambda text: text + "\nSee `{python} 'a'``{python} 'b'`.\n"):
        refused = _refused_as_written(project)
    assert refused.startswith(f"chapters/methods.qmd:{line}") and "follows another directly" in refused, refused
    with edited(methods, lambda text: text + '\nSee `{python} "abc"[:0]`.\n'):
        refused = _refused_as_executed(project, "chapters/methods.qmd")
    assert f"chapters/methods.qmd:{line}" in refused and "its value is ''" in refused, refused


def test_the_fallback_refuses_a_ledger_number_in_prose_without_its_link_naming_file_line_and_row(rendered):
    # Oracle: issue 18, item 4: every ledger number in chapter prose links to its ledger row. An
    # inline expression that shows a row's printed text (f, the plain form for code) without the
    # link n() makes stops the render, naming where it is written and the row (every chapter's
    # n() numbers render: the `rendered` book).
    project, _ = rendered
    methods = project / "chapters" / "methods.qmd"
    line = len(methods.read_text(encoding="utf-8").splitlines()) + 2
    with edited(methods, lambda text: text + '\nSee `{python} f("failures_n")`.\n'):
        refused = _refused_as_executed(project, "chapters/methods.qmd")
    assert f"chapters/methods.qmd:{line}" in refused and "ledger row failures_n without its link" in refused, refused


def test_the_fallback_refuses_an_own_result_in_prose_without_its_link_naming_file_line_and_result(rendered):
    # Oracle: issue 18, item 4, for the report's own results: an inline expression that shows a
    # number of a result a chapter holds (here the exact test's P value, data/analyses.csv row
    # synthesis_sequence.tests.p_vs_pooled) without the link own() makes stops the render, naming
    # where it is written and the result.
    project, _ = rendered
    methods = project / "chapters" / "methods.qmd"
    line = len(methods.read_text(encoding="utf-8").splitlines()) + 6
    plain = '\n```{python}\ntests = R.analysis("synthesis_sequence")["tests"]\n```\n\nSee `{python} fmt.p(tests["p_vs_pooled"])`.\n'
    with edited(methods, lambda text: text + plain):
        refused = _refused_as_executed(project, "chapters/methods.qmd")
    assert f"chapters/methods.qmd:{line}" in refused, refused
    assert "own result synthesis_sequence without a link to its ledger row" in refused, refused


def test_the_fallback_refuses_a_table_caption_line_in_the_unnumbered_preface(rendered):
    # Oracle: QUARTO-NOTES.md (Quarto 1.10.18): the preface's pandoc `: caption` lines are missing
    # from Quarto's PDF; the fallback, which would print them, must refuse one, naming the chapter.
    project, _ = rendered
    table = "\n| a | b |\n|---|---|\n| 1 | 2 |\n\n: A caption Quarto drops\n"
    with edited(project / "index.qmd", lambda text: text + table):
        refused = _refused_as_written(project)  # as written, before the front page runs
    assert refused.startswith("index.qmd: a table caption (`: A caption Quarto drops`)"), refused


def test_the_fallback_refuses_a_citation_key_not_in_the_bibliography_before_any_chapter_runs(rendered):
    # Oracle: references.bib has no key nobody2099; Quarto only warns of an unknown citation, the
    # fallback fails (its docstring), naming the chapter and the key, as written (no chapter executed).
    project, _ = rendered
    with edited(project / "chapters" / "methods.qmd", lambda text: text + "\nAs shown [@nobody2099].\n"):
        refused = _refused_as_written(project)
    assert refused.startswith("chapters/methods.qmd: citation key(s) not in the bibliography (references.bib): nobody2099"), refused


def test_the_fallback_refuses_a_quarto_yml_key_it_does_not_implement_by_name(rendered):
    project, _ = rendered
    with edited(project / "_quarto.yml", lambda text: text.replace("    toc: true\n", "    toc: true\n    number-depth: 2\n", 1)):
        done = run_rederive(project, "render", "--fallback")
    assert done.returncode == 1 and "format.html.number-depth" in done.stderr


def test_a_cell_exception_fails_naming_chapter_and_cell(rendered):
    project, _ = rendered
    broken = "\n```{python}\n#| label: broken\nraise ValueError('boom')\n```\n"
    with edited(project / "chapters" / "methods.qmd", lambda text: text + broken):  # a chapter quick to run
        done = run_rederive(project, "render", "--fallback")
    assert done.returncode == 1
    assert re.search(r"chapters/methods.qmd, cell \d+ \(broken\): ValueError: boom", done.stderr), done.stderr
    assert not list(project.glob("_book.tmp-*"))  # staging cleaned up


def test_an_unresolved_crossref_fails_the_render_before_any_chapter_runs(rendered):
    # Oracle: the message names the chapter and the reference; the render log shows no chapter
    # executed (the prose as written is checked before any kernel starts; the ledger chapter,
    # which an edit to it would otherwise execute, takes seconds).
    project, _ = rendered
    with edited(project / "chapters" / "ledger.qmd", lambda text: text + "\nSee @fig-nowhere.\n"):
        done = run_rederive(project, "render", "--fallback")
    assert done.returncode == 1
    assert "chapters/ledger.qmd: unresolved cross-reference(s): @fig-nowhere" in done.stderr, done.stderr[-800:]
    assert "executing" not in done.stdout, done.stdout[-800:]


def test_the_render_log_is_clean_and_times_each_chapter(rendered):
    # The kernel runs over IPC sockets, so ipykernel has no unencrypted TCP port to warn about,
    # and is shut down after each chapter, so none is left to notice its parent exit.
    _, done = rendered
    assert "WARNING" not in done.stderr and "eavesdropping" not in done.stderr, done.stderr[-2000:]
    assert re.search(r"executing chapters/synthesis.qmd: \d+\.\d s", done.stdout)


# Debian's chromium-headless-shell (Chromium's headless shell, the build Playwright itself runs
# for headless Chromium), which `make test` installs where it can: the suite's browser tests took
# 80-81 CPU-s with it against 91-99 with the full browser (chromium) in headless mode, alone, in turns.
CHROMIUM = "/usr/bin/chromium-headless-shell"
AXE, AXE_URL = ROOT / "node_modules" / "axe-core" / "axe.min.js", "__axe-core/axe.min.js"


@pytest.fixture(scope="module")
def browser(rendered):
    """Headless Chromium (driven by Playwright's Python package) on the rendered site, served
    from a local file server on the loopback interface."""
    import functools
    import http.server
    import os
    import threading
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (Debian package chromium-headless-shell; `make test` installs it as root)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright's Python package is not installed")
    project, _ = rendered

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def translate_path(self, path):
            # axe-core for the accessibility test, from one address: Chromium keeps it compiled
            # from page to page (injected as text, each page compiled it: 1.7 -> 0.45 s a width)
            return str(AXE) if path == "/" + AXE_URL else super().translate_path(path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(project / "_book")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium, f"http://127.0.0.1:{server.server_address[1]}/", project
        chromium.close()
    server.shutdown()


def test_every_page_loads_in_a_browser_with_working_links_images_and_search(browser):
    # Oracle: the browser itself. Every page loads with no console error; every internal link
    # lands on a page that exists and, with a #fragment, on an element with that id; every image
    # has decoded pixels; Pagefind's search finds "glofitamab". The front page's screenshot is
    # kept in .pytest-artifacts/ for a person to look at.
    from urllib.parse import urldefrag, urljoin
    chromium, base, project = browser
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    errors, ids, links = [], {}, set()
    page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
    pages = [str(p.relative_to(project / "_book")) for p in sorted((project / "_book").rglob("*.html"))
             if "pagefind" not in p.parts]
    broken_images = []
    for rel in pages:
        page.goto(base + rel)
        page.wait_for_load_state("load")
        ids[base + rel] = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
        broken_images += [f"{rel}: {src[:60]}" for src in page.eval_on_selector_all(
            "img", "els => els.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")]
        for href in page.eval_on_selector_all("a[href]", "els => els.map(a => a.getAttribute('href'))"):
            if not href.startswith(("http:", "https:", "mailto:", "data:")):
                links.add((rel, urljoin(base + rel, href)))
    dead = []
    for rel, url in sorted(links):
        target, fragment = urldefrag(url)
        if target not in ids and not target.endswith(".html") and (project / "_book" / target[len(base):]).is_file():
            continue  # a download (the PDF, the ledger's exports) that the render wrote
        if target not in ids:
            dead.append(f"{rel} -> {url} (no such page)")
        elif fragment and fragment not in ids[target] and not (target.endswith("/ledger.html") and fragment.startswith("row-")):
            dead.append(f"{rel} -> {url} (no such anchor)")  # a ledger row: the next test follows those
    assert not errors and not broken_images and not dead, (errors[:5], broken_images[:5], dead[:10])
    assert len(links) > 100  # the sidebar, the pager, the cross-references and the citations
    page.goto(base + "index.html")
    artifacts = ROOT / ".pytest-artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "front-page.png"))
    page.fill("#search input", "glofitamab")
    page.wait_for_selector(".pagefind-ui__result", timeout=15000)
    assert page.locator(".pagefind-ui__result").count() >= 1


def test_every_number_link_lands_on_its_ledger_row_in_a_browser(browser):
    # Oracle: the browser. Every ledger row a page links to (ledger.html#row-<id>) that is not an
    # element of the ledger page (a row of the interactive table, which DataTables draws 25 at a
    # time) is, once the address names it, drawn, marked as the target, focused and opened, with
    # its id in its Id cell; even when a filter was hiding it. The rows with their own element
    # (findings, statements) are the browser's to scroll to (the test above).
    chromium, base, project = browser
    pages = _pages(project)
    elements = set(re.findall(r'id="row-([^"]+)"', pages["chapters/ledger.html"]))
    targets = sorted(_prose_row_links(pages) - elements)
    assert len(targets) > 50, len(targets)  # most rows the chapters link to are plain inputs and checks
    page = chromium.new_page(viewport={"width": 1366, "height": 900})
    page.goto(base + "chapters/ledger.html")
    page.wait_for_selector("#ledger-table tbody tr", timeout=15000)
    # the filter in effect before the first landing (the pane applies it after the click returns:
    # landing at once, the first row was once drawn and then filtered away)
    _filter_to_tongren(page, project)
    # Each address is set and its row awaited (every animation frame, up to 3 s) by the page
    # itself, one row after the other: the same wait as Playwright's wait_for_function, without a
    # round trip to the test per row (rows landing one right after the other: a draw still pending
    # from one landing must not undo the next). The first landing, which clears
    # the filter, must also hold a second later: the panes draw the table again after a clear,
    # and that draw once took the focus from the row (a keyboard reader was left on the page).
    wrong = page.evaluate("""async ids => {
        const landed = id => { const row = document.querySelector("tr.ledger-target");
            return row && row.cells[1].innerText === id && document.activeElement === row
                   && row.querySelector("details").open; };
        const frame = () => new Promise(done => requestAnimationFrame(done));
        const wrong = [];
        for (const [k, id] of ids.entries()) {
            location.hash = 'row-' + id;
            const until = performance.now() + 3000;
            while (!landed(id) && performance.now() < until) await frame();
            if (k === 0 && landed(id)) await new Promise(done => setTimeout(done, 1000));
            if (!landed(id)) wrong.push(id);
        }
        return wrong; }""", targets)
    assert not wrong, wrong[:10]
    artifacts = ROOT / ".pytest-artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "ledger-row-target.png"))


def test_a_number_shows_its_card_on_focus_and_hover_inside_a_phone_screen(browser):
    # Oracle: the browser, at 390 px wide. A number's link is reached with the keyboard; while it
    # has the focus (or the pointer), its card is shown, within the screen's width, and is the
    # link's description (aria-describedby names it, role "tooltip"); it holds the source's quote,
    # the derivation and the outcome, never the register's note; Escape closes it; otherwise it
    # is hidden.
    chromium, base, project = browser
    page = chromium.new_page(viewport={"width": 390, "height": 844})
    page.goto(base + "chapters/descart-2022.html")
    link = page.locator(".ledger-number > a").first
    card_id = link.get_attribute("aria-describedby")
    card = page.locator(f"#{card_id}")
    assert card.get_attribute("role") == "tooltip" and not card.is_visible()
    for _ in range(400):  # Tab through the page to the first number
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('aria-describedby')") == card_id:
            break
    assert card.is_visible()
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    text = card.inner_text()
    assert "“" in text and ("Derived:" in text or "An input" in text) and "Outcome:" in text, text
    import json
    row_id = link.get_attribute("href").split("#row-")[1]
    row = next(r for r in json.loads((project / "_book" / "ledger.json").read_text(encoding="utf-8")) if r["id"] == row_id)
    assert row["quote"] in text and row["outcome"] in text and (not row["note"] or row["note"] not in text), text
    page.keyboard.press("Escape")  # dismissed without moving the focus (WCAG 1.4.13)
    assert not card.is_visible() and page.evaluate("document.activeElement.getAttribute('aria-describedby')") == card_id
    page.keyboard.press("Tab")
    page.mouse.move(0, 0)
    assert not card.is_visible()
    link.hover()
    assert card.is_visible()
    artifacts = ROOT / ".pytest-artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "number-card-phone.png"))


@pytest.mark.parametrize("width, height", [(1366, 900), (390, 844)])
def test_an_own_results_number_shows_its_card_inside_the_screen(browser, width, height):
    # Oracle: the browser and data/analyses.csv. The synthesis's "needs 11 responders" is the
    # report's own result synthesis_sequence.tests.needed, pinned at 11: its link, hovered, shows
    # a card within the screen's width that says it is the report's own result, its value now and
    # its pin, and the outcome "as pinned".
    chromium, base, project = browser
    page = chromium.new_page(viewport={"width": width, "height": height})
    page.goto(base + "chapters/synthesis.html")
    link = page.locator('.ledger-number > a[href="ledger.html#row-synthesis_sequence.tests.needed"]').first
    assert link.inner_text() == "11"
    card = page.locator(f"#{link.get_attribute('aria-describedby')}")
    assert not card.is_visible()
    link.hover()
    assert card.is_visible()
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
    text = card.inner_text()
    assert "own result:" in text and "Computed now: 11; pinned: 11" in text and "as pinned" in text, text
    artifacts = ROOT / ".pytest-artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / f"own-result-card-{width}.png"))


def _filter_to_tongren(page, project) -> None:
    """Choose the Tongren preprint in the ledger's source pane, and wait until the table says it
    shows that many rows (the ledger export's count of them)."""
    import json
    rows = json.loads((project / "_book" / "ledger.json").read_text(encoding="utf-8"))
    expected = sum(r["source"] == "tongren2025" for r in rows)
    page.locator(".dtsp-searchPane").first.locator("tbody tr", has_text="Tongren").first.locator(".dtsp-pill").click()
    page.wait_for_function(f"document.querySelector('.dt-info').innerText.includes('of {expected} entries')", timeout=10000)


def test_the_ledger_filters_to_one_source_in_a_browser(browser):
    # Oracle: the table's own row count and the Source column after choosing one source in its
    # pane: every ledger row of the Tongren preprint, inputs and own results included (the ledger
    # export's count).
    chromium, base, project = browser
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(base + "chapters/ledger.html")
    page.wait_for_selector("#ledger-table tbody tr", timeout=15000)
    _filter_to_tongren(page, project)
    shown = set(page.eval_on_selector_all("#ledger-table tbody tr td:first-child", "els => els.map(e => e.innerText)"))
    assert shown == {"Beijing Tongren preprint"}


def test_the_ledger_sorts_by_a_click_on_a_header_and_loads_its_script_from_one_shared_file(browser):
    # Oracle: the Printed column's header, clicked on its text (not on the sort icon): the table
    # reports that column as sorted (aria-sort), and the first row then holds the smallest id of
    # the sorted column's order; the page loads DataTables from site_libs/itables/ (a stretch of
    # the bundle's code is not in the page).
    chromium, base, project = browser
    page = chromium.new_page(viewport={"width": 1366, "height": 900})
    page.goto(base + "chapters/ledger.html")
    page.wait_for_selector("#ledger-table tbody tr", timeout=15000)
    page.locator("#ledger-table thead th", has_text="Id").first.locator(".dt-column-title").click()
    page.wait_for_function("document.querySelector('#ledger-table thead th[aria-sort]') !== null", timeout=5000)
    first = page.eval_on_selector("#ledger-table tbody tr td:nth-child(2)", "e => e.innerText")
    ids = sorted(page.eval_on_selector_all("#ledger-table tbody tr td:nth-child(2)", "els => els.map(e => e.innerText)"))
    assert first == ids[0]
    html = (project / "_book" / "chapters" / "ledger.html").read_text(encoding="utf-8")
    bundle = project / "_book" / "site_libs" / "itables" / "dt_bundle.js"
    assert "../site_libs/itables/dt_bundle.js" in html and bundle.exists()
    code = bundle.read_text(encoding="utf-8")
    assert code[len(code) // 2:len(code) // 2 + 200] not in html  # the bundle is not inlined too


def test_a_pdf_table_longer_than_a_page_breaks_across_pages(rendered, pdf_pages):
    # Quarto's Typst PDF was seen to draw a long table as one unbreakable figure, losing rows past
    # the page (QUARTO-NOTES.md); the fallback must not. Oracle: the PDF's own text (pdf_pages): the
    # printed ledger's first and last rows stand many pages apart (at most 40 rows fit a page) and
    # every row's id is on a page in between. Ids are matched with white space and the zero-width
    # spaces that let them wrap removed.
    import json

    project, _ = rendered
    pages = [re.sub(r"[\s\u200b]", "", text) for text in pdf_pages]
    rows = [r["id"] for r in json.loads((project / "_book" / "ledger.json").read_text(encoding="utf-8"))
            if r["check"] not in ("none", "pin")]
    first = min(i for i, text in enumerate(pages) if rows[0] in text)
    last = max(i for i, text in enumerate(pages) if rows[-1] in text)
    assert last - first >= len(rows) // 40, (first, last)
    between = "".join(pages[first:last + 1])
    # A wrapped id's pieces can come out of the PDF interleaved with its neighbours' text, so an
    # id counts as present when its underscore-separated pieces appear in order, close together.
    present = lambda row_id: re.search("_.{0,300}?".join(map(re.escape, row_id.split("_"))), between)  # noqa: E731
    assert [r for r in rows if not present(r)] == []


def test_the_pdf_contents_list_the_books_chapters_and_nothing_else(rendered):
    # Oracle: _quarto.yml's chapters (all but the unnumbered preface are numbered 1..n) and the
    # PDF's own outline (pypdf). A table cell that begins with "=" once became a Typst heading.
    import yaml
    from pypdf import PdfReader
    project, _ = rendered
    chapters = yaml.safe_load((project / "_quarto.yml").read_text(encoding="utf-8"))["book"]["chapters"]
    outline = PdfReader(project / "_book" / "rederive-car-t-failure.pdf").outline
    top = [item.title for item in outline if not isinstance(item, list)]
    numbered = [t for t in top if re.match(r"\d+\s", t)]
    assert len(numbered) == len(chapters) - 1, top
    assert "References" in top


def test_no_page_of_the_pdf_has_overprinted_text_or_text_past_the_margin(rendered):
    # Oracle: the PDF's own text layer, glyph by glyph (rederive.render.glyphs, PyMuPDF): no two
    # glyphs of different runs of text cover each other by more than a quarter of the smaller one,
    # and none lies outside Typst's default margin, 2.5/21 of the page's shorter side (the page
    # setup the fallback uses). Before the table layout, 43 of 76 pages failed this.
    pytest.importorskip("pymupdf", reason="PyMuPDF is not installed")
    from rederive.render.glyphs import scan
    import pymupdf
    project, _ = rendered
    pdf = project / "_book" / "rederive-car-t-failure.pdf"
    with pymupdf.open(pdf) as doc:
        margin = 2.5 / 21 * min(doc[0].rect.width, doc[0].rect.height)
    problems = scan(pdf, margin)
    assert problems == [], [f"p. {p.page} {p.kind}: {p.text[:100]}" for p in problems[:15]]


def test_every_finding_id_is_in_the_pdf_text(rendered, pdf_pages):
    # Oracle: the ledger export's findings (expected outcome not a clean reproduction), each id in
    # the PDF's extracted text (zero-width spaces and line breaks removed): no finding is lost to
    # a callout or a table that does not fit its page.
    import json

    from rederive.core import outcomes
    project, _ = rendered
    text = re.sub(r"[\s\u200b]", "", "".join(pdf_pages))
    rows = json.loads((project / "_book" / "ledger.json").read_text(encoding="utf-8"))
    findings = [r["id"] for r in rows if r["expected"] not in outcomes.GOOD]
    assert len(findings) > 20
    assert [i for i in findings if i not in text] == []


HIDDEN_TABLE_CONTENT = """() => [...document.querySelectorAll('main table')].flatMap(t => {
  const s = getComputedStyle(t), out = [], name = t.id || (t.closest('[id]') ? t.closest('[id]').id : 'table');
  if (t.scrollHeight > t.clientHeight + 2 && s.overflowY !== 'visible') out.push(name + ': rows hidden in its own scroll box');
  let scroller = t;  // the nearest box (the table or an ancestor) that scrolls sideways
  while (scroller && !['auto', 'scroll'].includes(getComputedStyle(scroller).overflowX)) scroller = scroller.parentElement;
  const right = t.getBoundingClientRect().right;
  if (!scroller && (t.scrollWidth > t.clientWidth + 2 || right > document.documentElement.clientWidth + 2))
    out.push(name + ': columns cut off or past the page, with no scrollbar');
  if (scroller && scroller.getBoundingClientRect().right > document.documentElement.clientWidth + 2)
    out.push(name + ': its scroll box runs past the page');
  return out;
})"""


# What the pages' scripts add after the page has loaded is there: Pagefind's search box, and every
# interactive table drawn by DataTables (which marks it "dataTable").
PAGE_SCRIPTS_DONE = """() => document.querySelector('#search input')
    && [...document.querySelectorAll('table.display')].every(t => t.classList.contains('dataTable'))"""


@pytest.mark.parametrize("width", [1366, 390])
def test_tables_hide_nothing_and_axe_finds_no_serious_violation(browser, width):
    # Oracle: the browser's own layout and axe-core 4.14 (npm, package-lock.json), on every page at
    # a laptop's width and a phone's. A table may scroll sideways (its overflow-x is auto), but no
    # table may keep rows in a scroll box of its own or cut columns off without a scrollbar, and no
    # page may pan sideways; axe reports no violation of impact serious or critical; one h1 a page.
    chromium, base, project = browser
    if not AXE.exists():
        pytest.skip("axe-core is not installed (`make test` runs npm ci)")
    page = chromium.new_page(viewport={"width": width, "height": 900})
    problems = []
    for rel in [str(p.relative_to(project / "_book")) for p in sorted((project / "_book").rglob("*.html"))
                if "pagefind" not in p.parts]:
        page.goto(base + rel)
        page.wait_for_load_state("load")
        page.wait_for_function(PAGE_SCRIPTS_DONE)
        problems += [f"{rel}: {p}" for p in page.evaluate(HIDDEN_TABLE_CONTENT)]
        if page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"):
            problems.append(f"{rel}: the page pans sideways")
        if page.evaluate("document.querySelectorAll('h1').length") != 1:
            problems.append(f"{rel}: not one h1")
        page.add_script_tag(url=base + AXE_URL)
        violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                                   ".filter(v => ['serious', 'critical'].includes(v.impact))"
                                   ".map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join('; '))")
        problems += [f"{rel}: {v}" for v in violations]
    assert problems == []


def test_the_search_index_holds_the_report_not_the_notice_code_or_image_data(rendered):
    # Oracle: Pagefind's own index fragments (gzip JSON, one per page): the fallback's notice, the
    # folded code and the figures' base64 data (which Pagefind took as the pages' "image" metadata,
    # and which made words found that no page contains) are not in it; the report's prose is.
    import gzip
    import json
    project, _ = rendered
    fragments = []
    for path in (project / "_book" / "pagefind" / "fragment").iterdir():
        data = gzip.decompress(path.read_bytes())
        fragments.append(json.loads(data[data.index(b"{"):]))
    text = " ".join(f["content"] + " " + json.dumps(f["meta"]) for f in fragments)
    assert "Rendered without Quarto" not in text and "rendered by the fallback path" not in text
    assert "R.assert_as_expected" not in text and "plt.subplots" not in text  # the folded code
    assert "base64" not in text
    assert "glofitamab" in text


def test_search_finds_nothing_for_a_word_the_report_does_not_contain(browser):
    # Oracle: words that occur in no chapter's text: "qwertyuiop" and "tafasitamab" (no source or
    # chapter names it; unquoted, Pagefind 1.5.2 matched them to the one-letter words "Q" and the
    # "T" of "CAR T"). Typed into the search box, each must give Pagefind UI's "No results"
    # message and no result; "glofitamab", which the report names, gives results.
    chromium, base, project = browser
    for qmd in (project).rglob("*.qmd"):
        assert "tafasitamab" not in qmd.read_text(encoding="utf-8").lower()
    page = chromium.new_page(viewport={"width": 1366, "height": 900})
    page.goto(base + "index.html")
    for word in ("qwertyuiop", "tafasitamab"):
        page.fill("#search input", word)
        page.wait_for_selector(".pagefind-ui__message:has-text('No results')", timeout=15000)
        assert page.locator(".pagefind-ui__result").count() == 0, word
    page.fill("#search input", "glofitamab")
    page.wait_for_selector(".pagefind-ui__result", timeout=15000)


def _interactive_ledger_ids(ledger_html):
    """The ids of every row of the ledger page's interactive table: the rows its data holds
    (itables' data_json; the Id column), whether or not DataTables has drawn them."""
    import html
    import json
    data = json.loads(json.loads(re.search(r'"data_json": ("(?:[^"\\]|\\.)*")', ledger_html).group(1)))
    header = re.search(r'"table_html": ("(?:[^"\\]|\\.)*")', ledger_html).group(1)
    columns = re.findall(r"<th[^>]*>(.*?)</th>", json.loads(header))
    return {html.unescape(row[columns.index("Id")]) for row in data}


def _prose_row_links(pages):
    """Every ledger row the web pages link to (ledger.html#row-<id>), by row id."""
    return {m for page in pages.values() for m in re.findall(r'href="(?:chapters/)?ledger\.html#row-([^"]+)"', page)}


def test_every_ledger_link_resolves_in_both_formats_and_the_pdf_never_links_to_a_web_page(rendered):
    # Oracle: the rendered files themselves. On the web, every link to a ledger row
    # (ledger.html#row-<id>) names an element with that id on the ledger page (a statement or a
    # finding) or a row of the ledger's interactive table, whose script brings it into view (the
    # browser test below follows them). In the PDF (PyMuPDF's reading of its link annotations) no
    # link goes to an .html page, every internal link goes to a page the PDF has, and the links to
    # ledger rows land, each, on the id (or, for a wrapped id, a piece of it) of a row the web
    # pages link to, and on every one of those rows.
    import fitz
    project, _ = rendered
    pages = _pages(project)
    ledger = pages["chapters/ledger.html"]
    element_ids = set(re.findall(r'id="row-([^"]+)"', ledger))
    table_ids = _interactive_ledger_ids(ledger)
    linked = _prose_row_links(pages)
    assert len(linked) > 150, len(linked)  # issue 18: every number in the chapters' prose, and the findings
    import json
    rows = json.loads((project / "_book" / "ledger.json").read_text(encoding="utf-8"))
    own = linked & {r["id"] for r in rows if r["role"] == "analysis"}
    assert len(own) > 60, len(own)  # the report's own results the prose shows (the synthesis has most)
    assert linked <= element_ids | table_ids, sorted(linked - element_ids - table_ids)[:10]
    assert len(re.findall(r'id="row-', ledger)) == len(element_ids)  # no row id defined twice on the page
    doc = fitz.open(project / "_book" / "rederive-car-t-failure.pdf")
    uris, landed, missed, words = [], set(), [], {}
    for page in doc:
        for link in page.get_links():
            if link["kind"] == fitz.LINK_URI:
                uris.append(link["uri"])
                continue
            assert link["kind"] in (fitz.LINK_GOTO, fitz.LINK_NAMED), link
            assert 0 <= link["page"] < doc.page_count, link
            if link["page"] not in words:
                words[link["page"]] = doc[link["page"]].get_text("words")  # once a page: 786 links
            word = _word_at(words[link["page"]], link["to"])
            if word is None or not re.fullmatch(r"(?=.*[a-z])(?=.*(?:_|\.\w))[a-z0-9]+(?:[_.][A-Za-z0-9]+)*[_.]?", word):
                continue  # not an id (lower case at first, an _ or an inner dot; an own result's
                # path may hold upper case, "tongren_km.OS.ways", or end in a dot, "erbella_treated."):
                # a cross-reference or contents entry
            rows = {i for i in linked if word in i}  # a long id wraps over lines: a piece of it
            (landed.update(rows) if rows else missed.append(f"p. {page.number + 1} -> {word}"))
    assert not [u for u in uris if ".html" in u], [u for u in uris if ".html" in u][:5]
    assert not missed, missed[:5]
    assert linked <= landed, sorted(linked - landed)[:10]


def _word_at(page_words, point):
    """The word a link's destination names, of its page's words (PyMuPDF's get_text("words")): the
    labelled text (a row's id in the ledger) is the word on the line just below the point whose
    right edge is nearest it, a few points off at most (as Typst places a label, observed here),
    without the zero-width spaces that let long ids wrap."""
    words = [w for w in page_words if point.y - 2 <= w[1] <= point.y + 10 and w[0] <= point.x <= w[2] + 8]
    return min(words, key=lambda w: abs(w[2] - point.x))[4].replace("\u200b", "") if words else None