"""_quarto.yml as the fallback reads it. The fallback implements a subset of Quarto; any key or
cell option outside it is refused by name rather than silently ignored, so the fallback never
renders something Quarto would render differently without saying so."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import RenderError

# What the fallback implements, key by key (nested keys as "a.b").
KNOWN_KEYS = {
    "project", "project.type", "project.output-dir", "project.execute-dir", "project.pre-render",
    "project.post-render",
    "book", "book.title", "book.subtitle", "book.author", "book.output-file", "book.chapters",
    "book.page-footer", "book.page-footer.center",
    "book.appendices",
    "bibliography", "jupyter", "execute", "execute.echo", "execute.freeze",
    "citation", "citation.type", "google-scholar",
    "format", "format.html", "format.html.code-fold", "format.html.toc", "format.html.css",
    "format.html.include-after-body", "format.html.lightbox",
    "format.typst", "format.typst.echo", "format.typst.toc", "format.typst.papersize",
    "format.typst.include-in-header", "format.typst.include-in-header.text",
}
# Cell options (`#| key: value`) the fallback implements.
CELL_OPTIONS = {"label", "include", "echo", "eval", "output", "fig-cap", "fig-alt", "tbl-cap"}


@dataclass
class Book:
    title: str
    subtitle: str
    author: str
    output_file: str
    chapters: list[str]
    bibliography: Path | None
    pre_render: list[str]
    post_render: list[str]
    html_echo: bool
    html_code_fold: bool
    typst_echo: bool
    google_scholar: bool = False
    typst_papersize: str = "us-letter"
    typst_header: str = ""
    html_css: tuple[Path, ...] = ()
    html_css_in_site: tuple[str, ...] = ()  # where each is copied in the site: its path in the project
    html_after_body: tuple[Path, ...] = ()
    html_lightbox: bool = False
    page_footer: tuple[tuple[str, str], ...] = ()  # (text, href) of each link in the centre of every page's foot


def _footer_links(book: dict) -> tuple[tuple[str, str], ...]:
    """`book: page-footer: center:` as Quarto's navigation items, each a `text` and an `href` (a
    path in the output folder or a URL); the fallback implements no other form of it."""
    items = (book.get("page-footer") or {}).get("center") or []
    if not isinstance(items, list) or not all(isinstance(i, dict) and set(i) == {"text", "href"}
                                               and all(isinstance(v, str) and v for v in i.values()) for i in items):
        raise RenderError("_quarto.yml: book: page-footer: center: must be a list of items with text and href "
                          "(the only form the fallback implements)")
    return tuple((i["text"], i["href"]) for i in items)


def _keys(mapping: dict, prefix: str = "") -> list[str]:
    out = []
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        out.append(name)
        if isinstance(value, dict) and name not in ("book.chapters", "book.appendices"):
            out.extend(_keys(value, f"{name}."))
    return out


def _paths(root: Path, value) -> tuple[Path, ...]:
    """A key that takes one file or a list of files (css, include-after-body), as paths."""
    names = [value] if isinstance(value, str) else list(value or [])
    missing = [n for n in names if not (root / n).is_file()]
    if missing:
        raise RenderError(f"_quarto.yml: no such file: {', '.join(missing)}")
    return tuple(root / n for n in names)


def _inside(value, key: str) -> tuple[str, ...]:
    """Files the site publishes at their path in the project, which must lie inside it."""
    names = [value] if isinstance(value, str) else list(value or [])
    outside = [n for n in names if Path(n).is_absolute() or ".." in Path(n).parts]
    if outside:
        raise RenderError(f"_quarto.yml: {key}: {', '.join(outside)} is outside the project; the site publishes "
                          "a stylesheet at its path in the project")
    return tuple(Path(n).as_posix() for n in names)


def load_book(root: Path) -> Book:
    from ..core.files import BadFile, read_text
    from ..core.yamlfile import YamlError, load
    try:  # a regular file, as bounded YAML with no repeated key (rederive.core.yamlfile)
        config = load(read_text(root / "_quarto.yml")) or {}
    except YamlError as exc:
        raise RenderError(f"_quarto.yml: {exc}") from None
    except (OSError, BadFile, UnicodeDecodeError) as exc:
        raise RenderError(f"_quarto.yml: cannot read it: {' '.join(str(exc).split())}") from None
    if not isinstance(config, dict):
        raise RenderError("_quarto.yml: not a mapping of keys")
    unknown = [k for k in _keys(config) if k not in KNOWN_KEYS]
    if unknown:
        raise RenderError(f"_quarto.yml: the fallback does not implement {', '.join(unknown)} "
                          "(implement it in rederive.render, or render with Quarto)")
    project, book = config.get("project") or {}, config.get("book") or {}
    if project.get("type") != "book":
        raise RenderError("_quarto.yml: project: type must be 'book'")
    if project.get("execute-dir", "project") != "project":
        raise RenderError("_quarto.yml: the fallback executes chapters in the project folder (execute-dir: project)")
    if (config.get("execute") or {}).get("freeze", False) is not False:
        raise RenderError("_quarto.yml: the fallback re-executes every chapter (execute: freeze: false)")
    formats = config.get("format") or {}
    if "html" not in formats or "typst" not in formats:
        raise RenderError("_quarto.yml: format must list html and typst")
    if not book.get("author"):
        # observed with real Quarto: a Typst book without an author fails to compile
        raise RenderError("_quarto.yml: book: author is required for the Typst (PDF) format")
    chapters = []
    for entry in book.get("chapters") or []:
        items = entry.get("chapters", []) if isinstance(entry, dict) else [entry]
        chapters.extend(items)
    appendices = [a for a in book.get("appendices") or [] if isinstance(a, str)]
    missing = [c for c in chapters + appendices if not (root / c).exists()]
    if not chapters or missing:
        raise RenderError(f"_quarto.yml: chapters missing: {missing or 'none listed'}")
    for appendix in appendices:
        # Quarto numbers appendices by letter (Appendix A); the fallback numbers only chapters,
        # so it takes an appendix only when its title is unnumbered, where the two agree.
        title = next((line for line in (root / appendix).read_text(encoding="utf-8").splitlines()
                      if line.startswith("# ")), "")
        if ".unnumbered" not in title and "{-" not in title.replace(" ", ""):
            raise RenderError(f"_quarto.yml: appendix {appendix}: the fallback does not letter appendices as Quarto "
                              "does; give its title {.unnumbered}, or render with Quarto")
    chapters = chapters + appendices
    bib = config.get("bibliography")
    pre = project.get("pre-render") or []
    post = project.get("post-render") or []
    execute = config.get("execute") or {}
    html, typst = formats.get("html") or {}, formats.get("typst") or {}
    papersize = str(typst.get("papersize", "us-letter"))
    if not re.fullmatch(r"[a-z0-9-]+", papersize):  # it reaches the Typst template as it is
        raise RenderError(f"_quarto.yml: format: typst: papersize {papersize!r} is not a paper size name (a4, us-letter)")
    return Book(
        title=str(book.get("title", "")), subtitle=str(book.get("subtitle", "")), author=str(book.get("author")),
        output_file=str(book.get("output-file") or book.get("title")), chapters=chapters,
        bibliography=(root / bib) if bib else None,
        pre_render=[pre] if isinstance(pre, str) else list(pre),
        post_render=[post] if isinstance(post, str) else list(post),
        html_echo=bool(html.get("echo", execute.get("echo", True))),
        html_code_fold=bool(html.get("code-fold", False)),
        typst_echo=bool(typst.get("echo", execute.get("echo", True))),
        google_scholar=bool(config.get("google-scholar", False)),
        typst_papersize=papersize,
        typst_header=str((typst.get("include-in-header") or {}).get("text", "")),
        html_css=_paths(root, html.get("css")),
        html_css_in_site=_inside(html.get("css"), "css"),
        html_after_body=_paths(root, html.get("include-after-body")),
        html_lightbox=bool(html.get("lightbox", False)),
        page_footer=_footer_links(book),
    )
