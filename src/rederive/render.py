"""`make report`: Quarto when it is on PATH, otherwise the fallback renderer.

Quarto is the renderer of record. The fallback exists because Quarto cannot be installed on
every machine (ours included): it renders the same .qmd files with well-kept parts. jupytext
reads each chapter (its R Markdown reader), nbclient executes it in a Jupyter kernel, pandoc
(pypandoc-binary) writes HTML and Typst, and typst compiles the PDF.

What this module writes itself is only what those parts lack: Quarto's inline `{python}`
expressions, its `#|` cell options, its @fig-/@tbl-/@sec- cross-references and its callouts
(a Lua filter). It is stricter than Quarto where Quarto only warns (an unresolved
cross-reference or an unknown citation fails here), and never more lenient.

Both paths render into a temporary folder and replace _book/ only on success, so a failed
render leaves the last good one in place.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

OUTPUT_DIR = "_book"
BANNER = "Renderer: fallback (jupytext + nbclient + pandoc + typst), NOT Quarto"
ASSETS = Path(__file__).parent / "render_assets"


class RenderError(Exception):
    """A render that must stop: the message names chapter and cell where there is one."""


# --- entry point -----------------------------------------------------------------------------

def render_project(root: Path, force_fallback: bool = False) -> int:
    quarto = shutil.which("quarto")
    try:
        if quarto and not force_fallback:
            _render_with_quarto(root, quarto)
        else:
            print(BANNER, flush=True)
            _render_fallback(root)
    except RenderError as exc:
        print(f"render failed: {exc}", file=sys.stderr)
        print(f"the last good render in {OUTPUT_DIR}/ was left in place", file=sys.stderr)
        return 1
    print(f"done: {OUTPUT_DIR}/", flush=True)
    return 0


def _publish(staging: Path, root: Path) -> None:
    """Swap the finished render into place: the old one is removed only after the swap."""
    _write_ledger_exports(root, staging)
    staging.chmod(0o755)  # mkdtemp makes it private; a website must be readable
    target = root / OUTPUT_DIR
    old = None
    if target.exists():
        old = root / f"{OUTPUT_DIR}.old-{os.getpid()}"
        target.rename(old)
    staging.rename(target)
    if old is not None:
        shutil.rmtree(old)


def _write_ledger_exports(root: Path, staging: Path) -> None:
    from .ledger import build
    ledger = build(root)
    (staging / "ledger.csv").write_text(ledger.to_csv(), encoding="utf-8")
    (staging / "ledger.json").write_text(ledger.to_json(), encoding="utf-8")


# --- Quarto ----------------------------------------------------------------------------------

def _render_with_quarto(root: Path, quarto: str) -> None:
    version = subprocess.run([quarto, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"Renderer: Quarto {version}", flush=True)
    staging = root / f"{OUTPUT_DIR}.tmp-quarto"
    shutil.rmtree(staging, ignore_errors=True)
    done = subprocess.run([quarto, "render", "--output-dir", staging.name], cwd=root)
    if done.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise RenderError(f"quarto render exited {done.returncode}")
    _publish(staging, root)


# --- the fallback: configuration -------------------------------------------------------------

@dataclass
class Book:
    title: str
    author: str
    output_file: str
    chapters: list[str]
    bibliography: Path | None
    pre_render: list[str]
    html_echo: bool
    html_code_fold: bool
    typst_echo: bool


def _load_book(root: Path) -> Book:
    config = yaml.safe_load((root / "_quarto.yml").read_text(encoding="utf-8")) or {}
    project, book = config.get("project") or {}, config.get("book") or {}
    if project.get("type") != "book":
        raise RenderError("_quarto.yml: project: type must be 'book'")
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
    missing = [c for c in chapters if not (root / c).exists()]
    if not chapters or missing:
        raise RenderError(f"_quarto.yml: chapters missing: {missing or 'none listed'}")
    bib = config.get("bibliography")
    pre = project.get("pre-render") or []
    execute = config.get("execute") or {}
    html, typst = formats.get("html") or {}, formats.get("typst") or {}
    return Book(
        title=str(book.get("title", "")), author=str(book.get("author")),
        output_file=str(book.get("output-file") or book.get("title")), chapters=chapters,
        bibliography=(root / bib) if bib else None,
        pre_render=[pre] if isinstance(pre, str) else list(pre),
        html_echo=bool(html.get("echo", execute.get("echo", True))),
        html_code_fold=bool(html.get("code-fold", False)),
        typst_echo=bool(typst.get("echo", execute.get("echo", True))),
    )


def _run_pre_render(root: Path, book: Book) -> None:
    """As Quarto does: each command once, from the project folder, before any chapter."""
    # `python` in the command must be this environment's, as `make` arranges for Quarto too
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    env = dict(os.environ, QUARTO_PROJECT_RENDER_ALL="1", PATH=path)
    for command in book.pre_render:
        print(f"pre-render: {command}", flush=True)
        done = subprocess.run(command, shell=True, cwd=root, env=env)
        if done.returncode != 0:
            raise RenderError(f"pre-render `{command}` exited {done.returncode}; no chapter was executed")


# --- the fallback: executing chapters --------------------------------------------------------

@dataclass
class Block:
    kind: str  # markdown | code
    text: str = ""  # markdown, or the code without its #| lines
    options: dict = field(default_factory=dict)
    outputs: list = field(default_factory=list)


@dataclass
class Chapter:
    path: str
    blocks: list[Block]


_OPTION_LINE = re.compile(r"^#\|\s?(.*)$")
_INLINE = re.compile(r"`\{python\}\s+([^`]+?)\s*`")
_INLINE_CODE = """__inline_value = ({expr})
__inline_markdown = getattr(__inline_value, "_repr_markdown_", None)
print(__inline_markdown() if __inline_markdown else (__inline_value if isinstance(__inline_value, str) else repr(__inline_value)), end="")
del __inline_value, __inline_markdown"""


def _split_options(source: str) -> tuple[dict, str]:
    """Quarto's `#| key: value` lines at the top of a cell: parsed as YAML, removed from code."""
    lines = source.splitlines()
    option_lines = []
    while lines and (m := _OPTION_LINE.match(lines[0])):
        option_lines.append(m.group(1))
        lines.pop(0)
    options = yaml.safe_load("\n".join(option_lines)) if option_lines else {}
    return options or {}, "\n".join(lines)


def _error_text(outputs) -> str:
    for out in outputs:
        if out.get("output_type") == "error":
            return f"{out.get('ename')}: {out.get('evalue')}"
    return "unknown error"


def _execute_chapter(root: Path, rel: str) -> Chapter:
    import jupytext
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    text = (root / rel).read_text(encoding="utf-8")
    # The R Markdown reader: jupytext's own .qmd reader calls the quarto CLI, absent here.
    nb = jupytext.reads(text, fmt="Rmd")
    client = NotebookClient(nb, kernel_name="python3", timeout=600,
                            resources={"metadata": {"path": str(root)}})  # execute-dir: project
    blocks: list[Block] = []
    code_cells = 0
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "markdown":
                blocks.append(Block("markdown", _evaluate_inline(client, cell.source, rel)))
            elif cell.cell_type == "code":
                code_cells += 1
                options, code = _split_options(cell.source)
                where = f"{rel}, cell {code_cells}" + (f" ({options['label']})" if options.get("label") else "")
                if options.get("eval", True):
                    try:
                        client.execute_cell(cell, index)
                    except CellExecutionError:
                        raise RenderError(f"{where}: {_error_text(cell.outputs)}") from None
                blocks.append(Block("code", code, options, list(cell.get("outputs", []))))
    return Chapter(rel, blocks)


def _evaluate_inline(client, markdown: str, rel: str) -> str:
    """Replace each `{python} expr` with its value, rendered as Quarto renders it."""
    import nbformat

    def value(match: re.Match) -> str:
        cell = nbformat.v4.new_code_cell(_INLINE_CODE.format(expr=match.group(1)))
        try:
            client.execute_cell(cell, 0)
        except Exception:
            raise RenderError(f"{rel}: inline expression `{match.group(1)}`: {_error_text(cell.outputs)}") from None
        return "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")

    return _INLINE.sub(value, markdown)


# --- the fallback: numbering and cross-references --------------------------------------------

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*(\{[^}]*\})?\s*$", re.MULTILINE)
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_XREF = re.compile(r"(?<![\w@])@((?:fig|tbl|sec)-[A-Za-z0-9_-]*[A-Za-z0-9])")
_CITATION = re.compile(r"(?<![\w])-?@([A-Za-z][\w:.-]*[\w])")


def _number_labels(chapters: list[Chapter]) -> dict[str, str]:
    """label -> 'Figure 2.1' / 'Table 2.1' / 'Chapter 2' / 'Section 2.3', as Quarto numbers a book."""
    labels: dict[str, str] = {}
    chapter_no = 0
    for chapter in chapters:
        number, section, figures, tables = None, 0, 0, 0
        for block in chapter.blocks:
            if block.kind == "markdown":
                for hashes, _title, attrs in _HEADING.findall(_FENCE.sub("", block.text)):
                    attrs = attrs or ""
                    unnumbered = ".unnumbered" in attrs or "-}" in attrs.replace(" ", "")
                    label = re.search(r"#(sec-[\w-]+)", attrs)
                    if len(hashes) == 1:
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
    return labels


def _resolve_xrefs(markdown: str, labels: dict[str, str], where: str) -> str:
    unknown = sorted({m for m in _XREF.findall(markdown) if m not in labels})
    if unknown:
        raise RenderError(f"{where}: unresolved cross-reference(s): {', '.join('@' + u for u in unknown)}")
    return _XREF.sub(lambda m: f"[{labels[m.group(1)]}](#{m.group(1)})", markdown)


# --- the fallback: markdown for pandoc -------------------------------------------------------

def _output_markdown(out, fmt: str, figures: Path, stem: str) -> str:
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
        return f"![]({figures.name}/{path.name})"
    if "text/html" in data and fmt == "html":
        return f"```{{=html}}\n{data['text/html']}\n```"
    if "text/plain" in data:
        return f"```\n{data['text/plain']}\n```"
    return ""


def _code_block_markdown(block: Block, fmt: str, book: Book, labels: dict, figures: Path, stem: str) -> str:
    opts = block.options
    if opts.get("include") is False:
        return ""
    parts = []
    echo = opts.get("echo", book.html_echo if fmt == "html" else book.typst_echo)
    if echo and block.text.strip():
        code = f"```python\n{block.text.strip()}\n```"
        if fmt == "html" and book.html_code_fold:
            code = f'<details class="code-fold"><summary>Code</summary>\n\n{code}\n\n</details>'
        parts.append(code)
    if opts.get("output", True) is not False:
        outputs = [_output_markdown(o, fmt, figures, f"{stem}-{i}") for i, o in enumerate(block.outputs)]
        outputs = [o for o in outputs if o.strip()]
        label = str(opts.get("label", ""))
        if label.startswith("fig-"):
            images = [o for o in outputs if o.startswith("![](")]
            if len(images) != 1:
                raise RenderError(f"{stem}: figure {label} produced {len(images)} images, expected 1")
            caption = f"{labels[label]}: {opts.get('fig-cap', '')}"
            path = images[0][4:-1]
            outputs = [o for o in outputs if o is not images[0]] + [f"![{caption}]({path}){{#{label} width=100%}}"]
        elif label.startswith("tbl-"):
            caption = f"{labels[label]}: {opts.get('tbl-cap', '')}"
            outputs = [f"::: {{#{label}}}\n" + "\n\n".join(outputs) + f"\n\n: {caption}\n:::"]
        parts.extend(outputs)
    return "\n\n".join(parts)


def _book_markdown(chapters: list[Chapter], fmt: str, book: Book, labels: dict, staging: Path) -> str:
    banner = ("::: {.callout-warning title=\"Rendered without Quarto\"}\nThis copy was rendered by the "
              "fallback path (jupytext, nbclient, pandoc, typst) because Quarto was not installed. "
              "The numbers are computed by the same code; the layout differs from the Quarto book.\n:::")
    pieces = [banner]
    if fmt == "typst":
        # Captions carry Quarto-style numbers already, so typst must not add its own; long
        # tables must break across pages, and wide ones need a smaller type.
        pieces.insert(0, "```{=typst}\n#show figure.caption: it => it.body\n"
                         "#show figure.where(kind: table): set block(breakable: true)\n"
                         "#show table: set text(size: 7.5pt)\n```")
    for chapter in chapters:
        chapter_md = []
        stem_base = Path(chapter.path).stem
        for i, block in enumerate(chapter.blocks):
            if block.kind == "markdown":
                chapter_md.append(block.text)
            else:
                chapter_md.append(_code_block_markdown(block, fmt, book, labels, staging / "figures",
                                                       f"{stem_base}-{i}"))
        pieces.append(_resolve_xrefs("\n\n".join(p for p in chapter_md if p), labels, chapter.path))
    return "\n\n".join(pieces) + "\n"


def _check_citations(markdown: str, bibliography: Path | None) -> None:
    text = _FENCE.sub("", markdown)
    cited = {m for m in _CITATION.findall(text) if not re.match(r"(fig|tbl|sec)-", m)}
    known = set(re.findall(r"@\w+\s*\{\s*([^,\s]+)\s*,", bibliography.read_text(encoding="utf-8"))) if bibliography else set()
    unknown = sorted(cited - known)
    if unknown:
        raise RenderError(f"citation key(s) not in the bibliography: {', '.join(unknown)}")


def _pandoc(markdown: str, fmt: str, book: Book, staging: Path, extra: list[str]) -> str:
    import pypandoc
    args = ["--standalone", "--toc", "--toc-depth=2", "--number-sections", "--wrap=none",
            f"--lua-filter={ASSETS / 'callouts.lua'}", f"--resource-path={staging}",
            "-M", f"title={book.title}", "-M", f"author={book.author}"]
    if book.bibliography:
        args += ["--citeproc", f"--bibliography={book.bibliography}"]
    return pypandoc.convert_text(markdown, fmt, format="markdown", extra_args=args + extra)


def _render_fallback(root: Path) -> None:
    book = _load_book(root)
    _run_pre_render(root, book)
    staging = Path(tempfile.mkdtemp(prefix=f"{OUTPUT_DIR}.tmp-", dir=root))
    try:
        chapters = []
        for i, rel in enumerate(book.chapters, 1):
            print(f"[{i}/{len(book.chapters)}] executing {rel}", flush=True)
            chapters.append(_execute_chapter(root, rel))
        labels = _number_labels(chapters)
        print("writing HTML", flush=True)
        html_md = _book_markdown(chapters, "html", book, labels, staging)
        _check_citations(html_md, book.bibliography)
        html = _pandoc(html_md, "html", book, staging,
                       ["--embed-resources", f"--css={ASSETS / 'fallback.css'}"])
        (staging / "index.html").write_text(html, encoding="utf-8")
        print("writing PDF (typst)", flush=True)
        typ = _pandoc(_book_markdown(chapters, "typst", book, labels, staging), "typst", book, staging, [])
        typ_path = staging / f"{book.output_file}.typ"
        typ_path.write_text(typ, encoding="utf-8")
        import typst
        try:
            typst.compile(str(typ_path), output=str(staging / f"{book.output_file}.pdf"), root=str(staging))
        except Exception as exc:  # the typst binding raises its own error types
            raise RenderError(f"typst could not compile the PDF: {' '.join(str(exc).split())[:500]}") from None
        typ_path.unlink()
        _publish(staging, root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
