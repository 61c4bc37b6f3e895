"""The fallback's caches: a chapter is executed again only when something it depends on changed,
so a re-render after an edit to one source re-executes only the chapters that show it; and pandoc
writes a chapter's HTML page again only when what it would be given changed.

A chapter's saved execution (its outputs, and the figures it saved for citing; the latest and the
one before it, so that an edit undone finds the execution from before the edit) is reused when
- its key is unchanged: the chapter's text, the Python files chapters run (chapters/*.py), the
  engine's source (src/rederive, the renderer included), and Python and every installed
  package's version; any edit under src/ therefore re-executes every chapter; and
- every `Report` answer it read is the same now (rederive.book.reads), asked of the ledger this
  render's pre-render check saved. So a data edit re-executes exactly the chapters that read a
  value it changed, wherever in data/ that value came from.

A page is rewritten unless its Markdown (which names its figures), sidebar, pager, the
stylesheets it links, the bibliography, the renderer's assets, the engine and the environment
are all unchanged (the figures and stylesheets themselves are files of the site, published with
every render); the PDF is compiled again unless its Markdown, title page, preamble, _quarto.yml,
the bibliography, the images, the assets, the engine and the environment are all unchanged
(typst writes the same bytes for the same input: no date is set). The pages and PDFs this render
and the one before asked for are kept.

Anything unreadable in a cache is a miss: a chapter's saved execution is data only
(rederive.ledger.datacache: JSON, authenticated with a key outside the work tree), validated before use,
so a crafted or foreign file can neither run code nor stand in for an execution. `render --fresh` ignores both. Real Quarto re-executes
every chapter (freeze: false); its own freeze cannot see data/.
"""
from __future__ import annotations

import functools
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

CACHE = ".rederive/chapters"
PAGES = ".rederive/pages"
ASSETS = Path(__file__).parent / "assets"


@dataclass
class Saved:
    key: str
    chapter: object  # execute.Chapter, with what it read (rederive.book.reads) and its figures


@functools.cache
def _tools() -> bytes:
    """The engine's source (the renderer included), Python's version and every installed package's:
    the names of the installed distributions' metadata folders, which carry name and version
    (`name-version.dist-info`, the wheel spec), listed rather than each METADATA file parsed."""
    import os

    from ..ledger.cache import engine_fingerprint
    versions = sorted(name for folder in sys.path if os.path.isdir(folder) for name in os.listdir(folder)
                      if name.endswith((".dist-info", ".egg-info")))
    return (engine_fingerprint() + sys.version + "\n" + "\n".join(versions)).encode()


def _write_atomically(path: Path, data: bytes) -> None:
    from ..core.files import write_atomically
    try:
        write_atomically(path, data)
    except OSError:
        pass  # a read-only tree still renders; it only loses the speed-up


def _valid_chapter(chapter) -> bool:
    from ..book.reads import Read
    from .execute import Block, Chapter
    return (isinstance(chapter, Chapter) and isinstance(chapter.blocks, list)
            and all(isinstance(b, Block) and isinstance(b.text, str) and isinstance(b.options, dict)
                    and isinstance(b.outputs, list) and all(isinstance(o, dict) for o in b.outputs)
                    for b in chapter.blocks)
            and isinstance(chapter.figures, dict)
            and all(isinstance(k, str) and isinstance(v, bytes) for k, v in chapter.figures.items())
            and isinstance(chapter.reads, list) and all(isinstance(r, Read) for r in chapter.reads))


class ChapterCache:
    def __init__(self, root: Path, preloaded: dict | None = None):
        self.root = root
        self._preloaded = preloaded or {}
        self.folder = root / CACHE
        common = hashlib.sha256(_tools())
        for path in sorted((root / "chapters").glob("*.py")):
            common.update(path.name.encode() + b"\0" + path.read_bytes())
        self._common = common.hexdigest()
        self._keys: dict[str, str] = {}
        self._report = None
        self._checked: set[str] = set()
        self._offered_before: set[str] = set()

    def text_was_checked(self, rel: str) -> bool:
        """Was this very text checked (cell options, inline expressions, its prose with the book's)
        by this engine? It was when a saved execution has its key: a chapter is saved only after
        those checks passed."""
        return rel in self._checked

    def key(self, rel: str) -> str:
        """Taken once per render, before the chapter runs: an edit made while it runs is a miss next time."""
        if rel not in self._keys:
            text = (self.root / rel).read_bytes()
            self._keys[rel] = hashlib.sha256(self._common.encode() + rel.encode() + b"\0" + text).hexdigest()
        return self._keys[rel]

    def _path(self, rel: str, before: bool = False) -> Path:
        return self.folder / (rel.replace("/", "__") + (".before" if before else "") + ".json")

    def reusable(self, rel: str):
        """(a saved chapter, None) when one may be reused; else (None, why it is executed)."""
        versions, why = self.saved(rel)
        while versions:
            changed = self.reads_changed(versions[0])
            if changed is None:
                return versions[0], None
            why = why or changed
            versions = [older for older in [self.before(rel)] if older is not None]
        return None, why

    def saved(self, rel: str):
        """The chapter's latest saved execution if its key is current, else the one before it if
        that one's is (an edit undone): ([the chapter], None); else ([], why). The values it read
        are not compared yet (reads_changed); where they changed, before() offers the one before."""
        key_then, loaded = self._preloaded.get(rel, (None, None))
        found = loaded if key_then == self.key(rel) else self._load(rel)
        if isinstance(found, str):
            return [], found
        if found.key == self.key(rel):
            self._checked.add(rel)
            return [found.chapter], None
        older = self.before(rel)
        return ([older], None) if older is not None else ([], "its text, the engine or the environment changed")

    def before(self, rel: str):
        """The execution saved before the latest, if its key is current; offered once (None after)."""
        if rel in self._offered_before:
            return None
        self._offered_before.add(rel)
        found = self._load(rel, before=True)
        if isinstance(found, str) or found.key != self.key(rel):
            return None
        self._checked.add(rel)
        return found.chapter

    def preload(self, rels: list[str]) -> dict:
        """Each chapter's key now and its latest saved execution (or why there is none), read
        ahead: the fallback reads them while the pre-render step runs, and a ChapterCache made
        after it (`preloaded`) uses an entry only where its own key for that chapter is the same."""
        return {rel: (self.key(rel), self._load(rel)) for rel in rels}

    def _load(self, rel: str, before: bool = False):
        """A saved execution (a Saved), or why there is none usable (a str)."""
        from ..ledger.datacache import CacheMiss, load
        path = self._path(rel, before)
        if not path.exists():
            return "not executed before"
        try:
            saved = load(path, "chapter")
        except CacheMiss:  # damaged, foreign or outdated: a miss, never an error
            return "its saved execution is unreadable"
        if not isinstance(saved, Saved) or not isinstance(saved.key, str) or not _valid_chapter(saved.chapter):
            return "its saved execution is unreadable"
        return saved

    def reads_changed(self, chapter, rows: bool | None = None) -> str | None:
        """Why a saved chapter is executed again: a value it read from the report is not the same
        now; None when every one is (`rows`: of its reads of register rows only, or of the others
        only; book.reads.still_the_same)."""
        from ..book.reads import still_the_same
        changed = still_the_same(self._ledger_report(), chapter.reads, rows)
        return f"a value it reads changed: {changed}" if changed else None

    def _ledger_report(self):
        if self._report is None:
            from ..report import Report
            from ..ledger import store
            self._report = Report(store.load(self.root), self.root)
        return self._report

    def save(self, rel: str, chapter) -> None:
        """The chapter's execution becomes the latest; the latest before it is kept as the one before."""
        import os

        from ..ledger.datacache import save
        if self._path(rel).exists():
            os.replace(self._path(rel), self._path(rel, before=True))
        save(self._path(rel), "chapter", Saved(self.key(rel), chapter))


class PageCache:
    def __init__(self, root: Path, reuse: bool = True):
        self.folder = root / PAGES
        self.reuse = reuse
        common = hashlib.sha256(_tools())
        for path in sorted(ASSETS.iterdir()):
            common.update(path.name.encode() + b"\0" + path.read_bytes())
        self._common = common.digest()
        self._used: set[str] = set()

    def key(self, *parts: str | bytes) -> str:
        digest = hashlib.sha256(self._common)
        for part in parts:
            data = part.encode() if isinstance(part, str) else part
            digest.update(len(data).to_bytes(8, "big") + data)
        return digest.hexdigest()

    def get(self, key: str, kind: str = "html") -> str | bytes | None:
        """A page's HTML (kind "html", a str) or the PDF (kind "pdf", bytes) saved under key."""
        self._used.add(key)
        if not self.reuse:
            return None
        from ..ledger.datacache import CacheMiss, load
        try:  # authenticated like every cache: a page placed here under a guessable key is a miss
            saved = load(self.folder / f"{key}.{kind}.json", "page")
        except CacheMiss:
            return None
        return saved if isinstance(saved, str if kind == "html" else bytes) else None

    def put(self, key: str, content: str | bytes, kind: str = "html") -> None:
        from ..ledger.datacache import save
        save(self.folder / f"{key}.{kind}.json", "page", content)

    def prune(self) -> None:
        """Forget the pages (and PDFs) that neither this render nor the one before it asked for:
        an edit undone finds what the render before the edit wrote (the PDF above all, which takes
        seconds to make again)."""
        from ..core.files import write_atomically
        record = self.folder / "asked-last-time.txt"
        try:
            asked_before = set(record.read_text(encoding="utf-8").split())
        except (OSError, UnicodeDecodeError):
            asked_before = set()
        keep = self._used | asked_before
        for path in [*self.folder.glob("*.json"), *self.folder.glob("*.html")]:  # *.html: the old format
            if path.name.split(".")[0] not in keep or path.suffix == ".html":
                path.unlink(missing_ok=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomically(record, "\n".join(sorted(self._used)).encode())
