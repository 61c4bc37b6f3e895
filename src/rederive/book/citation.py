"""How to cite the report: its version, the commit a render came from, and the date its data last
changed. No wall-clock time, so two renders of one tree say the same."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Citation:
    title: str
    author: str
    version: str
    commit: str | None  # None outside a git checkout
    date: str | None  # ISO date of the data's last change (git), or SOURCE_DATE_EPOCH; None if neither
    released: str | None = None  # CITATION.cff's date-released: the day this version was released
    license: str | None = None  # CITATION.cff's licence (SPDX) of the report's text, tables and figures

    @property
    def title_markdown(self) -> str:
        """The title as literal Markdown: _quarto.yml's text is shown, never run as HTML or Typst."""
        from .escape import markdown
        return markdown(self.title)

    def bibtex(self, key: str = "rederive") -> str:
        fields = [("title", self.title), ("author", f"{{{self.author}}}"), ("version", self.version),
                  ("note", "Reproducible research report" + (f", commit {self.commit}" if self.commit else ""))]
        if self.date:
            fields.append(("year", self.date[:4]))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        return f"@misc{{{key},\n{body}\n}}"


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def data_date(root: Path) -> str | None:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date().isoformat()
    return _git(root, "log", "-1", "--format=%cs", "--", "data")


def citation(root: Path, title: str, author: str) -> Citation:
    version = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    commit = _git(root, "rev-parse", "--short=12", "HEAD")
    if commit and _git(root, "status", "--porcelain", "--untracked-files=no"):
        commit += " with uncommitted changes"
    cff = _citation_file(root)
    released = cff.get("date-released") if cff.get("version") == version else None
    return Citation(title, author, version, commit, data_date(root),
                    str(released) if released else None, cff.get("license"))


def _citation_file(root: Path) -> dict:
    """CITATION.cff's fields (an empty dict where there is none or it does not parse)."""
    from ..core.yamlfile import YamlError, load
    path = root / "CITATION.cff"
    try:
        data = load(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, UnicodeDecodeError, YamlError):
        return {}
    return data if isinstance(data, dict) else {}
