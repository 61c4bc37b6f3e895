"""What chapters read: ledger rows by id, for prose, tables and figures.

Chapters compute no claim of their own. They look numbers up here: `R.fmt("id")` is the value
as the source printed it, `R.derived("id")` what the ledger derived, `R.outcome("id")` the
verdict. Each chapter starts with `R.assert_as_expected(source)`, so a chapter cannot render
numbers that the check would reject, whichever renderer runs it.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import checks
from .cli import project_root
from .ledger import Ledger, LedgerRow, build
from .reported import Reported

OUTCOME_ORDER = [o for o in checks.OUTCOMES if o != checks.MISQUOTED]


class UnexpectedOutcome(AssertionError):
    pass


class Report:
    def __init__(self, ledger: Ledger, root: Path):
        self.ledger = ledger
        self.root = root

    @classmethod
    def load(cls) -> "Report":
        root = project_root()
        return cls(build(root), root)

    # --- single rows ---
    def row(self, row_id: str) -> LedgerRow:
        return self.ledger[row_id]

    def fmt(self, row_id: str) -> str:
        """The number exactly as the source printed it."""
        return self.ledger[row_id].reported

    def derived(self, row_id: str) -> str:
        return self.ledger[row_id].derived

    def outcome(self, row_id: str) -> str:
        return self.ledger[row_id].outcome

    def value(self, row_id: str) -> Reported:
        """The parsed printed value (estimate, CI, p...) for tables and figures."""
        row = self.ledger[row_id]
        return self.ledger.sources[row.source].row(row_id).value

    # --- whole sources ---
    def assert_as_expected(self, source: str | None = None) -> None:
        bad = self.ledger.unexpected(source)
        if bad:
            lines = [f"{r.id}: expected {r.expected!r}, got {r.outcome!r} (reported {r.reported!r}, derived {r.derived!r})"
                     for r in bad]
            raise UnexpectedOutcome(f"{len(bad)} unexpected outcome(s):\n" + "\n".join(lines))

    def rows(self, source: str | None = None) -> list[LedgerRow]:
        return [r for r in self.ledger.rows if source is None or r.source == source]

    def count(self, source: str | None = None, outcome: str | None = None, role: str | None = None) -> int:
        return sum(1 for r in self.rows(source)
                   if (outcome is None or r.outcome == outcome) and (role is None or r.role == role))

    def findings(self, source: str | None = None) -> list[LedgerRow]:
        """Rows whose expected outcome is not a clean reproduction: the documented findings."""
        return [r for r in self.rows(source) if r.expected not in checks.GOOD_OUTCOMES]

    def findings_list(self, source: str, extra: tuple[str, ...] = ()):
        """The documented findings of a source as a Markdown list, for its callout."""
        items = [f"**{r.id}** ({r.location}): printed {r.reported!r}; derived {r.derived or 'nothing to derive'}; "
                 f"*{r.outcome}*. {r.note}" for r in self.findings(source)]
        return md_list(items + list(extra))

    def status(self) -> pd.DataFrame:
        """Per source: rows, claims and counts by outcome; the index page's table."""
        records = []
        for source_id, source in self.ledger.sources.items():
            rows = self.rows(source_id)
            record = {"Source": source.short, "Numbers": len(rows),
                      "Claims re-derived": sum(r.role == "claim" for r in rows)}
            for outcome in OUTCOME_ORDER:
                record[outcome.capitalize()] = sum(r.outcome == outcome for r in rows)
            record["Unexpected"] = len(self.ledger.unexpected(source_id))
            records.append(record)
        frame = pd.DataFrame(records)
        empty = [c for c in frame.columns[3:-1] if frame[c].sum() == 0]
        return frame.drop(columns=empty)


def md_table(frame: pd.DataFrame):
    """A pandas table as Markdown (pipe table), which Quarto and pandoc render in every format."""
    from IPython.display import Markdown
    safe = frame.map(lambda v: str(v).replace("|", "\\|") if isinstance(v, str) else v)
    return Markdown(safe.to_markdown(index=False))


def md_list(items: list[str]):
    from IPython.display import Markdown
    return Markdown("\n".join(f"- {item}" for item in items))


def save_figure(fig, name: str) -> None:
    """Also keep a copy under figures/ (PNG) for readers who cite a figure on its own."""
    out = project_root() / "figures"
    out.mkdir(exist_ok=True)
    fig.savefig(out / f"{name}.png", dpi=200, bbox_inches="tight")
