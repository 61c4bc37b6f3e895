"""The fallback renderer, for machines without Quarto: executes each chapter (execute.py), numbers
figures, tables and sections as Quarto numbers a book, resolves cross-references, and hands
the Markdown to pandoc (HTML, Typst) and the typst package (PDF).

What it writes itself is only what those parts lack: Quarto's @fig-/@tbl-/@sec-
cross-references and its callouts (a Lua filter, assets/callouts.lua). It is stricter than
Quarto where Quarto only warns (an unresolved cross-reference or an unknown citation fails
here), and never more lenient.
"""
from __future__ import annotations

import os
import signal
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from .config import Book, load_book
from .errors import RenderError
from .execute import Block, Chapter, Standby, allow_kernels, execute_chapter, kill_running_kernels, read_chapter
from . import site
from ..ledger.cache import data_fingerprint
from ..core.files import write_atomically
from .inline import check_inline_expressions, without_inline_expressions
from .publish import OUTPUT_DIR, discard, publish, snapshot, staged_figures, staging_folder

ASSETS = Path(__file__).parent / "assets"
# One line at the foot of every web page and of the PDF's front page (issue 18: the notice had
# pushed the findings below the first screen). data-pagefind-ignore: the notice is about the
# copy, not the report; search must not find it.
BANNER = ("::: {.renderer-note data-pagefind-ignore=\"all\"}\n**Rendered without Quarto**, by the "
          "fallback path (jupytext, nbclient, pandoc, typst), as Quarto was not installed: "
          "the numbers come from the same code; the layout differs from the Quarto book.\n:::")


def _run_scripts(root: Path, commands: list[str], stage: str, extra_env: dict) -> None:
    """As Quarto runs pre- and post-render commands: each once, from the project folder."""
    # `python` in a command must be this environment's, as `make` arranges for Quarto too
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    env = dict(os.environ, QUARTO_PROJECT_RENDER_ALL="1", PATH=path, QUARTO_PYTHON=sys.executable, **extra_env)
    for command in commands:
        print(f"{stage}: {command}", flush=True)
        # In a process group of its own: a terminal's Ctrl-C reaches the render alone, which stops
        # the command here, rather than the command too, which printed its own interruption (a
        # traceback from Python's shutdown) after the render's one line.
        script = subprocess.Popen(command, shell=True, cwd=root, env=env, start_new_session=True)
        try:
            returncode = script.wait()
        except BaseException:
            _stop_group(script)
            raise
        if returncode != 0:
            after = "no chapter was executed" if stage == "pre-render" else "nothing was published"
            raise RenderError(f"{stage} `{command}` exited {returncode}; {after}")


def _stop_group(process: subprocess.Popen, grace: float = 5.0) -> None:
    """SIGTERM to a command's process group, SIGKILL if it has not ended within `grace` seconds."""
    for signum, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, None)):
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            pass


_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*(\{[^}]*\})?\s*$", re.MULTILINE)
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_XREF = re.compile(r"(?<![\w@])@((?:fig|tbl|sec)-[A-Za-z0-9_-]*[A-Za-z0-9])")
_CITATION = re.compile(r"(?<![\w\\])-?@([A-Za-z][\w:.-]*[\w])")  # "\@name" is an escaped @, not a citation


def _number_labels(chapters: list[Chapter]) -> tuple[dict[str, str], dict[str, str], list]:
    """label -> 'Figure 2.1' / 'Table 2.1' / 'Chapter 2' / 'Section 2.3', as Quarto numbers a book;
    label -> the chapter that holds it; and each chapter's page (number and title)."""
    labels: dict[str, str] = {}
    owners: dict[str, str] = {}
    pages = []
    chapter_no = 0
    for chapter in chapters:
        before = set(labels)
        title = None
        number, section, figures, tables = None, 0, 0, 0
        for block in chapter.blocks:
            if block.kind == "markdown":
                for hashes, _title, attrs in _HEADING.findall(_FENCE.sub("", block.text)):
                    attrs = attrs or ""
                    unnumbered = ".unnumbered" in attrs or "-}" in attrs.replace(" ", "")
                    label = re.search(r"#(sec-[\w-]+)", attrs)
                    if len(hashes) == 1:
                        if title is None:
                            title = _title
                        if not unnumbered:
                            chapter_no += 1
                            number = chapter_no
                        if label:
                            labels[label.group(1)] = f"Chapter {number}" if number else _title
                    elif len(hashes) == 2:
                        if not unnumbered and number:
                            section += 1
                        if label:
                            labels[label.group(1)] = f"Section {number}.{section}" if number else _title
            else:
                label = str(block.options.get("label", ""))
                prefix = f"{number}." if number else ""
                if label.startswith("fig-"):
                    figures += 1
                    labels[label] = f"Figure {prefix}{figures}"
                elif label.startswith("tbl-"):
                    tables += 1
                    labels[label] = f"Table {prefix}{tables}"
        owners.update({label: chapter.path for label in set(labels) - before})
        pages.append(site.Page(chapter.path, site.page_path(chapter.path), title or chapter.path, number))
    return labels, owners, pages


_DIV_OPEN = re.compile(r"^:::+\s*\{([^}]*)\}\s*$")
_DIV_CLOSE = re.compile(r"^:::+\s*$")


def _shown(attributes: str, fmt: str) -> bool:
    """Quarto's conditional content for one div: is it shown in this format? (As assets/callouts.lua.)"""
    def matches(name):
        return name == fmt or (name == "html" and "html" in fmt)
    shown = True
    if m := re.search(r'when-format="([^"]+)"', attributes):
        shown = matches(m.group(1))
    if m := re.search(r'unless-format="([^"]+)"', attributes):
        shown = not matches(m.group(1))
    return not shown if ".content-hidden" in attributes else shown


def _for_format(chapter: Chapter, fmt: str) -> Chapter:
    """The chapter as Quarto shows it in one format: a content-visible/-hidden div that hides its
    content there is dropped, prose and code cells alike, before figures and tables are numbered
    and cross-references resolved (the Lua filter does the same for what pandoc sees)."""
    stack: list[bool] = []
    kept = []
    for block in chapter.blocks:
        if block.kind == "code":
            if all(stack):
                kept.append(block)
            continue
        lines, in_fence = [], False
        for line in block.text.splitlines():
            if line.startswith(("```", "~~~")):
                in_fence = not in_fence
            elif not in_fence and (m := _DIV_OPEN.match(line)):
                stack.append(_shown(m.group(1), fmt) if "content-" in m.group(1) else True)
                if not all(stack):
                    continue
            elif not in_fence and _DIV_CLOSE.match(line) and stack:
                hidden = not all(stack)
                stack.pop()
                if hidden:
                    continue
            if all(stack):
                lines.append(line)
        kept.append(Block("markdown", "\n".join(lines)))
    return Chapter(chapter.path, kept)


def _check_prose(chapters: list[Chapter], book: Book) -> None:
    """The checks the prose alone can fail (a cross-reference, a citation, a table caption in the
    preface), on the chapters as written, before any kernel starts: a render refused for one
    fails at once, not after executing chapters. They run again on the executed chapters, whose
    code writes prose too; here they see less of it, so they refuse nothing those accept."""
    for fmt in ("html", "typst"):
        shown = [_for_format(c, fmt) for c in chapters]
        labels, _, pages = _number_labels(shown)
        for chapter, page in zip(shown, pages):
            prose = "\n\n".join(without_inline_expressions(b.text) for b in chapter.blocks if b.kind == "markdown")
            _resolve_xrefs(prose, labels, chapter.path)
            if fmt == "html":
                _check_citations(prose, book.bibliography, chapter.path)
                if page.number is None:
                    _refuse_table_captions(prose, chapter.path)


def _resolve_xrefs(markdown: str, labels: dict[str, str], where: str, link=lambda label: f"#{label}") -> str:
    unknown = sorted({m for m in _XREF.findall(markdown) if m not in labels})
    if unknown:
        raise RenderError(f"{where}: unresolved cross-reference(s): {', '.join('@' + u for u in unknown)}")
    return _XREF.sub(lambda m: f"[{labels[m.group(1)]}]({link(m.group(1))})", markdown)


# --- the fallback: markdown for pandoc -------------------------------------------------------

# A linked number's web part (rederive.report.number_link): its link and its card, between the raw
# HTML that opens and closes them. Every format but HTML drops all of it (raw HTML, and spans
# visible only in HTML); pandoc's Markdown reader took 3 of the 5 s of the PDF's Typst reading
# the cards' nested spans only to drop them, so the PDF's Markdown leaves them out beforehand.
def _without_web_parts(markdown: str) -> str:
    from ..report import NUMBER_WEB_PART_CLOSES, NUMBER_WEB_PART_OPENS
    web_part = re.compile(re.escape(NUMBER_WEB_PART_OPENS) + ".*?" + re.escape(NUMBER_WEB_PART_CLOSES), re.DOTALL)
    return web_part.sub("", markdown)


def _output_markdown(out, fmt: str, figures: Path, stem: str, link: str) -> str:
    kind = out.get("output_type")
    if kind == "stream":
        return f"```\n{out.get('text', '').rstrip()}\n```"
    if kind not in ("display_data", "execute_result"):
        return ""
    data = out.get("data", {})
    if "text/markdown" in data:
        return data["text/markdown"]
    if "image/png" in data:
        import base64
        figures.mkdir(exist_ok=True)
        path = figures / f"{stem}.png"
        path.write_bytes(base64.b64decode(data["image/png"]))
        return f"![]({link}/{path.name})"
    if "text/html" in data and fmt == "html":
        return f"```{{=html}}\n{data['text/html']}\n```"
    if "text/plain" in data:
        return f"```\n{data['text/plain']}\n```"
    return ""


def _code_block_markdown(block: Block, fmt: str, book: Book, labels: dict, figures: Path, stem: str, link: str) -> str:
    opts = block.options
    if opts.get("include") is False:
        return ""
    parts = []
    echo = opts.get("echo", book.html_echo if fmt == "html" else book.typst_echo)
    if echo and block.text.strip():
        code = f"```python\n{block.text.strip()}\n```"
        if fmt == "html" and book.html_code_fold:
            code = f'<details class="code-fold" data-pagefind-ignore="all"><summary>Code</summary>\n\n{code}\n\n</details>'
        parts.append(code)
    if opts.get("output", True) is not False:
        outputs = [_output_markdown(o, fmt, figures, f"{stem}-{i}", link) for i, o in enumerate(block.outputs)]
        outputs = [o for o in outputs if o.strip()]
        label = str(opts.get("label", ""))
        if label.startswith("fig-"):
            images = [o for o in outputs if o.startswith("![](")]
            if len(images) != 1:
                raise RenderError(f"{stem}: figure {label} produced {len(images)} images, expected 1")
            caption = f"{labels[label]}: {opts.get('fig-cap', '')}"
            path = images[0][4:-1]
            alt = str(opts.get("fig-alt", "")).replace("\\", "\\\\").replace('"', '\\"')
            # on screen a figure is shown at its natural size (theme/book.css); in print, the text width
            attributes = f'#{label}' + (" width=100%" if fmt != "html" else "") + (f' alt="{alt}"' if alt else "")
            outputs = [o for o in outputs if o is not images[0]] + [f"![{caption}]({path}){{{attributes}}}"]
        elif opts.get("fig-cap"):  # a captioned figure without a label: Quarto leaves it unnumbered
            images = [o for o in outputs if o.startswith("![](")]
            alt = str(opts.get("fig-alt", "")).replace("\\", "\\\\").replace('"', '\\"')
            outputs = [o for o in outputs if not o.startswith("![](")] + [
                f"![{opts['fig-cap']}]({image[4:-1]}){{" + ("width=100%" if fmt != "html" else "") + (f' alt="{alt}"' if alt else "") + "}"
                for image in images]
        elif label.startswith("tbl-"):
            caption = f"{labels[label]}: {opts.get('tbl-cap', '')}"
            if any(o.lstrip().startswith("|") for o in outputs):  # a pipe table takes pandoc's caption
                outputs = [f"::: {{#{label}}}\n" + "\n\n".join(outputs) + f"\n\n: {caption}\n:::"]
            else:  # a table made of HTML (itables): the caption above it, as a paragraph
                outputs = [f"::: {{#{label}}}\n[{caption}]{{.table-caption}}\n\n" + "\n\n".join(outputs) + "\n:::"]
        parts.extend(outputs)
    return "\n\n".join(parts)


def _book_markdown(chapters: list[Chapter], fmt: str, book: Book, labels: dict, staging: Path) -> str:
    pieces = []
    for i, chapter in enumerate(chapters):
        pieces.append(_resolve_xrefs(_chapter_markdown(chapter, fmt, book, labels, staging), labels, chapter.path))
        if i == 0:  # the notice closes the front page
            pieces.append(BANNER)
    return "\n\n".join(pieces) + "\n"


def _chapter_markdown(chapter: Chapter, fmt: str, book: Book, labels: dict, staging: Path) -> str:
    parts = []
    stem = Path(chapter.path).stem
    # the figures folder as the page links it (a page links its figures, as Quarto's do); the
    # PDF's Typst, compiled in the staging folder, names it from there
    link = site.href("figures", site.page_path(chapter.path)) if fmt == "html" else "figures"
    for i, block in enumerate(chapter.blocks):
        if block.kind == "markdown":
            parts.append(block.text)
        else:
            parts.append(_code_block_markdown(block, fmt, book, labels, staging / "figures", f"{stem}-{i}", link))
    return "\n\n".join(p for p in parts if p)


def _check_citations(markdown: str, bibliography: Path | None, where: str) -> None:
    text = _FENCE.sub("", markdown)
    cited = {m for m in _CITATION.findall(text) if not re.match(r"(fig|tbl|sec)-", m)}
    known = set(re.findall(r"@\w+\s*\{\s*([^,\s]+)\s*,", bibliography.read_text(encoding="utf-8"))) if bibliography else set()
    unknown = sorted(cited - known)
    if unknown:
        raise RenderError(f"{where}: citation key(s) not in the bibliography"
                          f"{f' ({bibliography.name})' if bibliography else ''}: {', '.join(unknown)}")


_TABLE_CAPTION = re.compile(r"^(?:Table)?:\s+(\S.*)$", re.MULTILINE)


def _refuse_table_captions(markdown: str, where: str) -> None:
    """Observed with Quarto 1.10.18: a pandoc `: caption` table caption in the unnumbered preface
    is missing from the PDF. The fallback would print it, so it refuses it instead."""
    if m := _TABLE_CAPTION.search(_FENCE.sub("", markdown)):
        raise RenderError(f"{where}: a table caption (`: {m.group(1)[:60]}`) in an unnumbered chapter, which "
                          "Quarto's PDF drops: put it in a line above the table (md_table(caption=...) does)")


def _references_section(markdown: str) -> str:
    """A page's references under a second-level heading (citeproc fills the refs div), where
    pandoc's reference-section-title would add a second h1 to the page."""
    text = _FENCE.sub("", markdown)
    cites = any(not re.match(r"(fig|tbl|sec)-", m) for m in _CITATION.findall(text))
    return "\n\n## References {.unnumbered}\n\n::: {#refs}\n:::\n" if cites else ""


def _typst_preamble(book: Book) -> str:
    """What the fallback's PDF sets before its title (pandoc's header-includes): _quarto.yml's own
    include-in-header text, as Quarto puts it in the preamble; then:"""
    # the title as a Typst string literal: whatever _quarto.yml holds is shown as text, never run as markup
    text = "".join(c for c in " ".join(book.title.split()) if c.isprintable())
    running = '#"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return "\n".join([
        book.typst_header,
        "#set document(date: none)",  # no creation date: two renders of one tree give the same bytes
        # the book's title and the page number at the head of every page after the title page
        "#set page(numbering: \"1\", header: context { if counter(page).get().first() > 1 "
        f"[#set text(size: 8pt, fill: luma(100)); {running} #h(1fr) #counter(page).display()] }})",
        "#set text(hyphenate: false)",  # no hyphenated table headers
        "#show outline: it => { pagebreak(weak: true); it }",  # the title page stands alone
        "#show figure.caption: it => it.body",  # captions carry Quarto-style numbers already
        "#show figure.where(kind: table): set block(breakable: true)",  # long tables break across pages
    ])


def _title_page_note(root: Path, book: Book) -> str:
    """Version, commit, data date and how to cite, under the title on the PDF's first page."""
    from ..book.citation import citation
    full = f"{book.title}: {book.subtitle}" if book.subtitle else book.title
    c = citation(root, full, book.author)
    details = f"Version {c.version}" + (f", commit {c.commit}" if c.commit else "") + (f"; data files last changed {c.date}" if c.date else "")
    return f"{details}. Cite as: {c.author}, \u201c{c.title}\u201d, version {c.version}. See also CITATION.cff."


def _pandoc(markdown: str, fmt: str, book: Book, staging: Path, extra: list[str]) -> str:
    import pypandoc
    args = ["--standalone", "--toc", "--toc-depth=2", "--number-sections", "--wrap=none",
            f"--lua-filter={ASSETS / 'callouts.lua'}", f"--resource-path={staging}",
            "-M", f"title={book.title}", "-M", f"subtitle={book.subtitle}", "-M", f"author={book.author}",
            "-V", f"papersize={book.typst_papersize}", "-M", "reference-section-title=References"]
    if book.bibliography:
        args += ["--citeproc", f"--bibliography={book.bibliography}"]
    return pypandoc.convert_text(markdown, fmt, format="markdown", extra_args=args + extra)


WORKERS = min(2, os.cpu_count() or 1)  # chapters executed at once, each in its own kernel


def _standby(root: Path, book: Book, reuse: bool) -> Standby | None:
    if reuse and _published_inputs(root) == _inputs(root, book):
        return None
    return Standby(root)


def _inputs(root: Path, book: Book) -> str:
    """A fingerprint of the data and of the chapters' texts (and their setup files): what a
    maintainer edits between renders. (The engine and the environment, which the chapter cache
    also keys on, change seldom and are slower to fingerprint.)"""
    import hashlib
    digest = hashlib.sha256(data_fingerprint(root).encode())
    for rel in [*book.chapters, *sorted(p.relative_to(root).as_posix() for p in (root / "chapters").glob("_*.py"))]:
        digest.update(rel.encode() + b"\0" + (root / rel).read_bytes())
    return digest.hexdigest()


def check_as_written(root: Path, book: Book) -> None:
    """What the fallback refuses in the chapters as written, before any kernel starts (RenderError,
    naming the chapter): a cell option it does not implement, an inline expression right after
    another, an unresolved cross-reference, a citation key the bibliography lacks, a table caption
    in the unnumbered preface."""
    written = []
    for rel in book.chapters:
        written.append(read_chapter(root, rel))
        check_inline_expressions(root, rel)
    _check_prose(written, book)


def _execute_all(root: Path, book: Book, reuse: bool, preloaded: dict | None = None,
                 standby: Standby | None = None) -> list[Chapter]:
    """Each chapter reused from the chapter cache when nothing it depends on changed (see
    incremental.py; never with reuse=False), else executed: two at a time on these 2-core
    machines (each kernel spends most of its time single-threaded), the first in the standby
    kernel if there is one. In book order for everything that follows; a failure stops the render
    with the first failing chapter in book order."""
    from concurrent.futures import ThreadPoolExecutor

    from .incremental import ChapterCache

    cache = ChapterCache(root, preloaded)
    rels = book.chapters

    def timed(rel):
        # SIGINT and SIGTERM go to the main thread only, which unwinds the render: delivered to a
        # worker, they interrupt its ZeroMQ polling mid-call (libzmq then aborts the process).
        # Kernels started from here inherit the mask; they are stopped by message or SIGKILL.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        started = time.perf_counter()
        chapter = execute_chapter(root, rel, standby.take() if standby else None)
        cache.save(rel, chapter)
        return chapter, time.perf_counter() - started

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures, chapters, why = {}, [], {}
        try:
            saved = {}
            for rel in rels:
                cache.key(rel)  # taken before anything runs: an edit made meanwhile is a miss next time
                saved[rel], why[rel] = cache.saved(rel) if reuse else ([], "--fresh")
            # Before any kernel starts, unless every text was checked already (the same key):
            # each chapter's cell options and inline expressions, then the book's prose.
            if not all(cache.text_was_checked(rel) for rel in rels):
                check_as_written(root, book)
            # A chapter whose key is current is executed again if a value it read changed; each
            # is submitted as soon as that is known, so that its kernel starts while the others
            # are compared: the reads of register rows of every chapter first (cheap, and what a
            # data edit changes), then the other reads of the chapters still unchanged.
            # (Where the latest saved execution read a value that changed, the one before it is
            # tried: an edit undone reuses what was executed before the edit.)
            for rel in rels:
                if not saved[rel]:
                    futures[rel] = pool.submit(timed, rel)
            kept = {rel: saved[rel][0] for rel in rels if saved[rel]}
            for rows in (True, False):
                for rel in [rel for rel in rels if rel in kept]:
                    changed = cache.reads_changed(kept[rel], rows)
                    if changed is not None:
                        why[rel] = why[rel] or changed
                        older = cache.before(rel)
                        if (older is not None and cache.reads_changed(older, True) is None
                                and (rows or cache.reads_changed(older, False) is None)):
                            kept[rel] = older
                        else:
                            del kept[rel]
                            futures[rel] = pool.submit(timed, rel)
            for i, rel in enumerate(rels, 1):
                if rel in kept:
                    chapters.append(kept[rel])
                    print(f"[{i}/{len(rels)}] reused {rel}: nothing it reads or runs changed", flush=True)
                    continue
                chapter, seconds = futures[rel].result()
                chapters.append(chapter)
                # The log only: no output of the render carries a time.
                print(f"[{i}/{len(rels)}] executing {rel}: {seconds:.1f} s ({why[rel]})", flush=True)
        except BaseException:
            for future in futures.values():
                future.cancel()
            kill_running_kernels()  # a cell that never ends must not hold the render (the pool waits for it)
            pool.shutdown(wait=True)  # every chapter's thread has ended (a kernel still starting stopped itself)
            allow_kernels()  # the stop was for this render's kernels, not for a later one in this process
            raise
        finally:
            if standby is not None:
                standby.close()  # no chapter needed it
    return chapters


def _write_figures(chapters: list[Chapter], folder: Path) -> None:
    """The figures every chapter saved for citing, into the staged figures folder."""
    owner = {}
    for chapter in chapters:
        for name, data in chapter.figures.items():
            if name in owner:
                raise RenderError(f"{chapter.path} and {owner[name]} both save a figure named {name}")
            owner[name] = chapter.path
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)


def _compile_pdf(typ: str, typ_path: Path) -> None:
    typ_path.write_text(typ, encoding="utf-8")
    import typst
    try:
        typst.compile(str(typ_path), output=str(typ_path.with_suffix(".pdf")), root=str(typ_path.parent))
    except Exception as exc:  # the typst binding raises its own error types
        raise RenderError(f"typst could not compile the PDF: {' '.join(str(exc).split())[:500]}") from None
    typ_path.unlink()


def render(root: Path, reuse: bool = True) -> None:
    started = snapshot(root)  # compared again before publishing: a book must agree with itself
    book = load_book(root)
    preloaded: dict = {}
    warm = threading.Thread(target=_warm_up, args=(root, book.chapters if reuse else [], preloaded), daemon=True)
    warm.start()  # work that needs no pre-render result, done while the check runs in its own process
    standby = _standby(root, book, reuse)
    try:
        _run_scripts(root, book.pre_render, "pre-render", {})
        warm.join()
        staging = staging_folder(root)
    except BaseException:
        if standby is not None:
            standby.close()
        raise
    try:
        chapters = _execute_all(root, book, reuse, preloaded, standby)
        _write_figures(chapters, staged_figures(staging))
        html_chapters = [_for_format(c, "html") for c in chapters]
        labels, owners, pages = _number_labels(html_chapters)
        page_markdown = []
        for chapter, page in zip(html_chapters, pages):
            link = lambda label, page=page: site.href(site.page_path(owners[label]), page.path, label)  # noqa: E731
            markdown = _resolve_xrefs(
                _chapter_markdown(chapter, "html", book, labels, staging), labels, chapter.path, link)
            _check_citations(markdown, book.bibliography, chapter.path)
            if page.number is None:
                _refuse_table_captions(markdown, chapter.path)
            page_markdown.append((markdown + _references_section(markdown) + "\n\n" + BANNER + "\n", page))
        typst_chapters = [_for_format(c, "typst") for c in chapters]
        typst_labels = _number_labels(typst_chapters)[0]
        typst_markdown = _without_web_parts(_book_markdown(typst_chapters, "typst", book, typst_labels, staging))
        from concurrent.futures import ThreadPoolExecutor

        from .incremental import PageCache
        cache = PageCache(root, reuse)
        # Everything the published book is made of: when it is what the last published render was
        # made of (and that book is still there), nothing is written again.
        build_key = cache.key(*(m for m, _ in page_markdown), typst_markdown, _title_page_note(root, book),
                              _typst_preamble(book), (root / "_quarto.yml").read_bytes(),
                              book.bibliography.read_bytes() if book.bibliography else b"",
                              data_fingerprint(root), *(b for c in chapters for _, b in sorted(c.figures.items())),
                              *(path.read_bytes() for path in (*book.html_css, *book.html_after_body)))
        if reuse and _published_key(root) == build_key:
            print(f"nothing changed since the last render: {OUTPUT_DIR}/ is current", flush=True)
            discard(staging)
            return
        # The PDF is made of the book's Typst Markdown and the images it embeds (all written to
        # the staged figures folder by now): unchanged, the last PDF is the one typst would compile.
        images = sorted((staging / "figures").glob("*")) if (staging / "figures").is_dir() else []
        pdf_key = cache.key("pdf", typst_markdown, _title_page_note(root, book), _typst_preamble(book),
                            (root / "_quarto.yml").read_bytes(),
                            book.bibliography.read_bytes() if book.bibliography else b"",
                            *(part for path in images for part in (path.name, path.read_bytes())))
        pdf = cache.get(pdf_key, "pdf")
        pdf_path = staging / f"{book.output_file}.pdf"
        print("writing HTML (a page per chapter)" + (" and the PDF's Typst" if pdf is None else "")
              + " with pandoc", flush=True)
        # pandoc runs once per page and once for the PDF's Typst, two at a time, the longest first
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            typst_job = None if pdf is not None else pool.submit(
                _pandoc, typst_markdown, "typst", book, staging,
                ["-M", f"abstract={_title_page_note(root, book)}", "-V", "abstract-title=How to cite",
                 "-V", f"header-includes={_typst_preamble(book)}"])
            site.write_stylesheets(book, staging)
            for done in [pool.submit(site.write_page, markdown, page, pages, book, staging, book.bibliography, cache)
                         for markdown, page in page_markdown]:
                done.result()
            typ = typst_job.result() if typst_job else None
            cache.prune()
            print("indexing the search (Pagefind)" + (" and compiling the PDF (typst)" if pdf is None else
                                                       "; the PDF is unchanged"), flush=True)
            search = pool.submit(site.index_search, staging)
            if pdf is None:
                _compile_pdf(typ, staging / f"{book.output_file}.typ")
                cache.put(pdf_key, pdf_path.read_bytes(), "pdf")
            else:
                pdf_path.write_bytes(pdf)
            search.result()
        _run_scripts(root, book.post_render, "post-render", {"QUARTO_PROJECT_OUTPUT_DIR": staging.name})
        publish(staging, root, started)
        write_atomically(root / PUBLISHED_KEY, build_key.encode())
        write_atomically(root / PUBLISHED_INPUTS, _inputs(root, book).encode())
    except BaseException:
        discard(staging)
        raise


def _warm_up(root: Path, rels: list[str], preloaded: dict) -> None:
    """Import what deciding which chapters to reuse needs, fingerprint the
    environment and read the saved chapters (into `preloaded`; ChapterCache.preload): work that
    does not depend on the pre-render step, done while it runs. Only a head start: whatever fails
    here is done again, and fails properly, where it is needed; a chapter the pre-render step
    changes is read again."""
    try:
        from .. import report
        from ..ledger import store  # noqa: F401
        from .incremental import ChapterCache
        preloaded.update(ChapterCache(root).preload(rels))
    except Exception:
        pass


PUBLISHED_KEY = ".rederive/published-build"
PUBLISHED_INPUTS = ".rederive/published-inputs"  # what the published book was made of (_inputs; Standby)


def _published_inputs(root: Path) -> str | None:
    try:
        return (root / PUBLISHED_INPUTS).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _published_key(root: Path) -> str | None:
    """The build key of the book in _book/, if it is there."""
    if not (root / OUTPUT_DIR / "index.html").is_file():
        return None
    try:
        return (root / PUBLISHED_KEY).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
