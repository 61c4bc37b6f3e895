"""The fallback's website: one HTML page per chapter, as Quarto's book has.

Pandoc writes every page (one run per chapter, its own HTML template, citations by citeproc with
the chapter's references at its foot). What this module adds is only what pandoc has no notion
of, a book: the sidebar with every chapter and a search box, and previous/next links, given to
pandoc as include-before/after-body fragments; and where each cross-reference's target page is.
Search is Pagefind's (PyPI `pagefind[bin]`), indexed over the finished pages. As in Quarto's
website, a page links its stylesheets and figures rather than embedding them: the stylesheets are
copied into the site once (write_stylesheets), the figures are in figures/ already.
"""
from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import RenderError

ASSETS = Path(__file__).parent / "assets"


@dataclass(frozen=True)
class Page:
    source: str  # chapters/descart-2022.qmd
    path: str  # chapters/descart-2022.html
    title: str  # the chapter's heading text
    number: int | None  # None for an unnumbered chapter (the preface)


def page_path(source: str) -> str:
    """Where Quarto puts a chapter's page: index.html for index.qmd, else beside the source."""
    return str(Path(source).with_suffix(".html"))


def href(target_page: str, from_page: str, anchor: str = "") -> str:
    """A link from one page of the site to another (or to an anchor on the same page)."""
    if target_page == from_page:
        return f"#{anchor}" if anchor else Path(from_page).name
    link = os.path.relpath(target_page, os.path.dirname(from_page) or ".")
    return f"{link}#{anchor}" if anchor else link


def _label(page: Page) -> str:
    return f"{page.number}&nbsp; {html.escape(page.title)}" if page.number else html.escape(page.title)


def sidebar(pages: list[Page], current: Page, book_title: str) -> str:
    """The book's table of contents and the search box, for the top of every page."""
    items = "\n".join(
        f'<li><a href="{href(p.path, current.path)}"' + (' aria-current="page"' if p == current else "")
        + f">{_label(p)}</a></li>" for p in pages)
    return f"""<a class="skip-link" href="#main">Skip to the chapter</a>
<nav id="book-sidebar" aria-label="The book's chapters" data-pagefind-ignore>
<p class="book-title"><a href="{href(pages[0].path, current.path)}">{html.escape(book_title)}</a></p>
<link href="{href('pagefind/pagefind-ui.css', current.path)}" rel="stylesheet">
<script src="{href('pagefind/pagefind-ui.js', current.path)}"></script>
<div id="search"></div>
<script>
// Whole words only: unquoted, Pagefind also matches the longest word of the book that a query
// starts with ("tafasitamab" found the "T" of "CAR T"), so every query is searched as a phrase.
const wholeWords = term => (!term.trim() || term.includes('"')) ? term : '"' + term.trim() + '"';
window.addEventListener("DOMContentLoaded", () => {{ if (window.PagefindUI) new PagefindUI({{element: "#search", showImages: false, showSubResults: true, processTerm: wholeWords}}); }});
</script>
<ol class="book-chapters">
{items}
</ol>
</nav>
<main id="main" data-pagefind-body data-pagefind-meta="image:">
"""


# `lightbox: true`, as the fallback does it: a figure, shown fitted to the column, opens at its full
# size (twice the pixels, theme/book.css) on a click or Enter, and closes the same way.
ENLARGE = """<script>
document.addEventListener("DOMContentLoaded", () => document.querySelectorAll("main figure img").forEach(img => {
  img.tabIndex = 0; img.title = "Enlarge (click or Enter)";
  const toggle = () => { img.classList.toggle("enlarged"); img.title = img.classList.contains("enlarged") ? "Fit to the column" : "Enlarge (click or Enter)"; };
  img.addEventListener("click", toggle);
  img.addEventListener("keydown", e => { if (e.key === "Enter") toggle(); });
}));
</script>
"""


# On a phone the chapter list and the page's contents would fill the first screen and push the
# answer down (issue 18): below 60rem each is folded into a closed <details> ("Chapters and
# search", "On this page") that a tap or Enter opens. Without JavaScript both stay open, as before.
# On a wide screen the contents sit in the right margin (css), as in Quarto's books.
FOLD_ON_PHONE = """<script>
document.addEventListener("DOMContentLoaded", () => {
  if (!window.matchMedia("(max-width: 60rem)").matches) return;
  const fold = (parent, nodes, label) => {
    if (!parent || !nodes.length) return;
    const box = document.createElement("details"), summary = document.createElement("summary");
    summary.textContent = label; box.className = "folded"; box.append(summary);
    parent.insertBefore(box, nodes[0]); nodes.forEach(n => box.append(n));
  };
  const side = document.getElementById("book-sidebar");
  if (side) fold(side, [...side.querySelectorAll(":scope > #search, :scope > ol.book-chapters")], "Chapters and search");
  const toc = document.getElementById("TOC");
  if (toc) fold(toc, [...toc.children], "On this page");
});
</script>
"""


def page_footer(links, current: Page) -> str:
    """`book: page-footer: center:`: the same links at the foot of every page (the PDF, the ledger
    exports), each relative to the page, as Quarto resolves a navigation item's href."""
    if not links:
        return ""
    items = " · ".join(f'<a href="{html.escape(h if "://" in h else href(h, current.path))}">{html.escape(t)}</a>'
                       for t, h in links)
    return f'<footer class="page-footer" data-pagefind-ignore>{items}</footer>\n'


def pager(pages: list[Page], current: Page) -> str:
    """Previous and next chapter, for the foot of every page."""
    i = pages.index(current)
    links = []
    if i > 0:
        links.append(f'<a class="previous" href="{href(pages[i - 1].path, current.path)}">&larr; {_label(pages[i - 1])}</a>')
    if i < len(pages) - 1:
        links.append(f'<a class="next" href="{href(pages[i + 1].path, current.path)}">{_label(pages[i + 1])} &rarr;</a>')
    return '</main>\n<nav class="pager" aria-label="Previous and next chapter" data-pagefind-ignore>' + "\n".join(links) + "</nav>\n"


FALLBACK_CSS = "site_libs/rederive/fallback.css"  # the fallback's own layout, where Quarto keeps its libraries


def stylesheets(book) -> list[str]:
    """Every page's stylesheets, as paths in the site: the fallback's, then the book's `css:` (in
    the site at its path in the project, as Quarto copies a project's resources)."""
    return [FALLBACK_CSS, *book.html_css_in_site]


def write_stylesheets(book, staging: Path) -> None:
    for rel, source in zip(stylesheets(book), [ASSETS / "fallback.css", *book.html_css]):
        (staging / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, staging / rel)


def write_page(markdown: str, page: Page, pages: list[Page], book, staging: Path, bibliography: Path | None,
               cache=None) -> None:
    """Pandoc writes the page, unless `cache` (incremental.PageCache) has it from the same inputs."""
    import pypandoc
    top = sidebar(pages, page, book.title)
    foot = (pager(pages, page) + page_footer(book.page_footer, page) + FOLD_ON_PHONE + (ENLARGE if book.html_lightbox else "")
            + "".join(path.read_text(encoding="utf-8") for path in book.html_after_body))
    key = text = None
    if cache is not None:
        key = cache.key(markdown, top, foot, repr(page), book.title, scholar_meta(book), *stylesheets(book),
                        bibliography.read_bytes() if bibliography else b"")
        text = cache.get(key)
    if text is None:
        with tempfile.TemporaryDirectory(prefix="rederive-page-") as fragments:
            before, after = Path(fragments) / "before.html", Path(fragments) / "after.html"
            before.write_text(top, encoding="utf-8")
            after.write_text(foot, encoding="utf-8")
            text = _pandoc_page(pypandoc, markdown, page, book, bibliography, before, after)
        if cache is not None:
            cache.put(key, text)
    out = staging / page.path
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")


def _pandoc_page(pypandoc, markdown, page, book, bibliography, before, after) -> str:
    args = ["--standalone", "--toc", "--toc-depth=2", "--wrap=none",
            "--number-sections", f"--number-offset={(page.number or 1) - 1}",
            f"--lua-filter={ASSETS / 'callouts.lua'}",
            *(f"--css={href(css, page.path)}" for css in stylesheets(book)),
            f"--include-before-body={before}", f"--include-after-body={after}",
            "-M", f"pagetitle={page.title} | {book.title}", "-M", "lang=en",
            "-M", "link-citations=true",
            # no favicon: say so, rather than let every browser ask for one and log a 404
            "-V", f"header-includes=<link rel=\"icon\" href=\"data:,\">{scholar_meta(book)}"]
    if bibliography:
        args += ["--citeproc", f"--bibliography={bibliography}"]
    return pypandoc.convert_text(markdown, "html", format="markdown", extra_args=args)


def scholar_meta(book) -> str:
    """With google-scholar: true, the citation_* tags Quarto writes for Google Scholar."""
    if not book.google_scholar:
        return ""
    title = f"{book.title}: {book.subtitle}" if book.subtitle else book.title
    return "".join(f'\n<meta name="{name}" content="{html.escape(value, quote=True)}">'
                   for name, value in (("citation_title", title), ("citation_author", book.author)))


def index_search(staging: Path) -> None:
    """Pagefind's search index over the finished pages (staging/pagefind/)."""
    done = subprocess.run([sys.executable, "-m", "pagefind", "--site", str(staging)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RenderError(f"pagefind could not index the site: {(done.stderr or done.stdout).strip()[-500:]}")
