"""What chapters read: the chapters' only interface to the ledger.

Chapters compute no result of their own. They look numbers up here: `R.fmt("id")` is the value
as the source printed it, `R.value("id")` the printed value parsed (estimate, CI, P...),
`R.derived("id")` the derived value as the ledger shows it, `R.derived_value("id")` the same as
data, `R.outcome("id")` the verdict, and `R.analysis("name")` one of the report's own results
(rederive.analyses). Each chapter starts with `R.assert_as_expected(source)`, so a chapter
cannot render numbers that the check would reject, whichever renderer runs it.

Every answer is recorded (rederive.book.reads), so a chapter is re-executed only when something it
read has changed; chapters therefore read the ledger through these methods only.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from fractions import Fraction

from .book import escape
from .core import outcomes
from .ledger import store, tallies
from .core import formatting as fmt
from .book.reads import record_reads
from .book.table_library import TABLE_LIBRARY
from .ledger.ledger import Ledger, LedgerRow
from .core.paths import project_root
from .core.reported import Reported

OUTCOME_ORDER = [o for o in outcomes.ORDER if o != outcomes.MISQUOTED]
# The status table's short headings for the outcome groups of the preface's figure.
STATUS_LABELS = {"Reproduced or consistent": "Hold up", "Another rounding rule": "Other rounding",
                 "Undecided: too coarse, method or denominator unknown": "Undecided",
                 "Rests on a flagged value": "On a flagged value", "Contradicted or suspect": "Contradicted"}


class UnexpectedOutcome(AssertionError):
    pass


# The rows whose number text (fmt, estimate, derived) was read since the set was last cleared:
# the fallback clears it before each inline expression and refuses one that shows such a row's
# number without its ledger link (rederive.render.execute; issue 18: every ledger number in
# prose is one click from its row).
NUMBER_TEXTS_READ: set[str] = set()
# The same for the report's own results (issue 18): the analyses an inline expression read, by
# name (Report.analysis, cleared with the set above), and every part of a result a chapter holds
# (its dicts, lists, dataclasses and floats, by id(); labels under "_" keys and unpinned fields
# left out), so that an expression showing a value of a result held in a variable is seen too
# (unlinked_results).
ANALYSES_READ: set[str] = set()
_RESULT_PARTS: dict[int, str] = {}
_PARTS_KEPT: list = []  # the parts themselves, so that an id recorded above is never reused by another object

# How an own result's value may be shown (Report.result): the name of a rederive.core.formatting
# function, or one of these. Named, not passed as functions, so that the call is recorded as
# data (rederive.book.reads).
_RESULT_FORMATS = {
    "text": lambda v, places: str(v),
    "thousands": lambda v, places: f"{v:,}",
    "words": lambda v, places: fmt.words(v),
    "percent_digits": lambda v, places: fmt.fixed(Fraction(v) * 100, 1 if places is None else places),
    # item `places` of a pinned list of ranges ("41-42, 35-46, 5-15"), as fmt.span shows it ("5-15", or "5" for "5-5")
    "span_item": lambda v, places: fmt.span(*str(v).split(", ")[places].split("-")),
    # the upper end of that item ("15" of "5-15")
    "item_high": lambda v, places: str(v).split(", ")[places].split("-")[-1],
    # a pinned list of alternatives ("208, 209, 210") as prose: "208, 209 or 210"
    "alternatives": lambda v, places: fmt.join(str(v).split(", "), last="or"),
}


@record_reads(per_field=(LedgerRow,))  # what a chapter read, for the renderer to tell later whether it would read the same
class Report:
    def __init__(self, ledger: Ledger, root: Path):
        self.ledger = ledger
        self.root = root

    @classmethod
    def load(cls) -> "Report":
        """The ledger this render built once (rederive.ledger.store), or a fresh one outside a render."""
        root = project_root()
        return cls(store.load(root), root)

    # --- single rows ---
    def row(self, row_id: str) -> LedgerRow:
        return self.ledger[row_id]

    def fmt(self, row_id: str) -> str:
        """The number exactly as the source printed it."""
        NUMBER_TEXTS_READ.add(row_id)
        return self.ledger[row_id].reported

    def value(self, row_id: str) -> Reported:
        """The printed value parsed: .estimate, .ci, .p, .range, .unit."""
        return self.ledger[row_id].printed

    def estimate(self, row_id: str) -> str:
        """The printed estimate alone, with its unit: "7.9 months" from "7.9 months (95% CI ...)"."""
        NUMBER_TEXTS_READ.add(row_id)
        r = self.value(row_id)
        unit = r.unit or ""
        return f"{r.estimate.text}{'' if unit in ('', '%') else ' '}{unit}"

    def count_of(self, row_id: str) -> int:
        """The printed count as a number (for code; prose shows it with n())."""
        NUMBER_TEXTS_READ.add(row_id)
        return self.value(row_id).count

    def derived(self, row_id: str) -> str:
        """The derived value as the ledger shows it (for prose; never parse it)."""
        NUMBER_TEXTS_READ.add(row_id)
        return self.ledger[row_id].derived

    def derived_value(self, row_id: str):
        """The derived value as data (rederive.core.values)."""
        return self.ledger[row_id].value

    def outcome(self, row_id: str) -> str:
        return self.ledger[row_id].outcome

    def quote(self, row_id: str) -> str:
        """The source's words the number is quoted from."""
        return self.ledger[row_id].quote

    def location(self, row_id: str) -> str:
        """Where the source prints the number ("Table 2", "abstract")."""
        return self.ledger[row_id].location

    def check_of(self, row_id: str) -> str:
        """The name of the number's check ("none" for a plain input)."""
        return self.ledger[row_id].check

    def source_of(self, row_id: str) -> str:
        """The short name of the source the number comes from."""
        return self.short(self.ledger[row_id].source)

    def number(self, row_id: str, show: str = "printed", use: int = 1, page_folder: str = "chapters"):
        """A ledger number for prose, linked to its ledger row (see `ledger_link`): on the web with
        a card that hovering or focusing the link shows (the source's quote, the derivation and
        the outcome; NUMBER_CARD), in the PDF a link to the row in the PDF's own ledger.

        `show` is what the prose says: "printed" (`fmt`), "lower" (the same in lower case, for a
        number in words mid-sentence), "estimate", "derived", "p" (the printed P value alone), "ci" (the printed interval's bounds, "0.2-0.6") or
        "numerators" (the counts a derived share can come from, "39 or 40"). `use` numbers
        the uses on one page (chapters/_setup.py counts them), so that each card's id is unique
        on its page. `page_folder` is where the page sits: "chapters", or "." for the front page.
        The card reads one field at a time (quote, location, derived, check, outcome), never the
        register's note."""
        shown = {"printed": self.fmt, "lower": lambda i: self.fmt(i).lower(), "estimate": self.estimate,
                 "derived": self.derived, "p": lambda i: str(self.value(i).p),
                 "ci": lambda i: "-".join(bound.text for bound in self.value(i).ci),
                 "numerators": lambda i: fmt.join(self.derived_value(i).numerators, last="or")}[show](row_id)
        return LinkedNumber(number_link(row_id, escape.markdown(shown), self._card(row_id), f"ledger-card-{use}",
                                        page_folder))

    def _card(self, row_id: str) -> list[str]:
        """The number card's lines, as Markdown (text escaped)."""
        e = escape.markdown
        check = self.check_of(row_id)
        derivation = (f"Derived: {e(self.derived(row_id) or 'nothing to derive')} (check: {e(check)})"
                      if check != "none" else "An input: quoted as printed, with no check of its own")
        quote = self.quote(row_id)
        where = f"{e(self.source_of(row_id))}, {e(self.location(row_id))}"
        return [f"{where}: “{e(quote)}”" if quote else where, derivation,
                f"Outcome: *{e(self.outcome(row_id))}*; ledger row `{row_id}`"]

    def result(self, row_id: str, how: str = "text", places: int | None = None, use: int = 1,
               page_folder: str = "chapters"):
        """One number of the report's own results for prose, linked to its ledger row (role
        "analysis", id `<analysis>.<path>`, pinned in data/analyses.csv) as `number` links a
        source's number: on the web with its card (what result it is, its value now, its pin and
        the outcome), in the PDF to the row in the PDF's own ledger. The text is the engine's
        value now, formatted `how`: one of _RESULT_FORMATS ("text", "thousands", "words",
        "percent_digits": a proportion as a percentage without the sign, ...) or a rederive.core.formatting function taking the value (and
        `places` when given): "fixed", "number", "p", "p_digits", "proportion". A row that moved
        from its pin stops the chapter (UnexpectedOutcome), as `check` does."""
        row = self.ledger[row_id]
        return LinkedNumber(number_link(row_id, escape.markdown(self.result_text(row_id, how, places)),
                                        self._result_card(row), f"ledger-card-{use}", page_folder))

    def result_text(self, row_id: str, how: str = "text", places: int | None = None) -> str:
        """The text `result` links (for code choosing between forms; prose shows `result`)."""
        row = self.ledger[row_id]
        if row.role != "analysis":
            raise ValueError(f"{row_id} is not one of the report's own results (role {row.role!r}); write n({row_id!r})")
        if not row.ok:
            raise UnexpectedOutcome(f"{row_id}: {row.detail}")
        name, key = row_id.split(".", 1)
        from .analyses import flatten
        value = flatten(self.analysis(name))[key]
        if how in _RESULT_FORMATS:
            shown = _RESULT_FORMATS[how](value, places)
        else:
            function = getattr(fmt, how)
            shown = function(value) if places is None else function(value, places)
        return shown

    def _result_card(self, row: LedgerRow) -> list[str]:
        """An own result's card: which result it is, its value now and its pin, the outcome."""
        e = escape.markdown
        return [f"{e(self.short(row.source))}, the report's own result: {e(row.location)}",
                f"Computed now: {e(row.derived)}; pinned: {e(row.reported)}",
                f"Outcome: *{e(row.outcome)}*; ledger row `{row.id}`"]

    def results_in_prose(self) -> list[str]:
        """The own-result rows the pages may link to: every row whose id is written as a string
        in index.qmd or a chapter, or starts with such a string and a dot (a helper that links
        several numbers of one result takes their common prefix), or fits such a string written
        as a template, "{}" standing for one part of the id ("synthesis_sketches.{}.weibull.worst_error",
        for an id built in code). The PDF's ledger gives each an anchor, so that every link from
        the prose lands; an id built otherwise would be a dead link, which the link tests find."""
        import re
        names = {a.name for a in self.ledger.analyses.values()}
        patterns = []
        for page in [self.root / "index.qmd", *sorted((self.root / "chapters").glob("*.qmd"))]:
            for literal in re.findall(r"""["']([a-z0-9_]+\.[A-Za-z0-9_.{}]*)["']""", page.read_text(encoding="utf-8")):
                if literal.split(".")[0] in names:
                    parts = [r"[^.]+" if part == "{}" else re.escape(part) for part in literal.split(".")]
                    patterns.append(r"\.".join(parts) + r"(?:\..+)?")
        written = re.compile("|".join(patterns)) if patterns else None
        return [r.id for r in self.rows(role="analysis") if written and written.fullmatch(r.id)]

    def says(self, statement_id: str) -> str:
        """The words of one of the report's own statements (rederive.statements), which `check`
        has found the numbers still support."""
        row = self.ledger["says." + statement_id]
        if not row.ok:
            raise UnexpectedOutcome(f"{row.id}: {row.detail}")
        return row.reported

    def statement(self, statement_id: str, use: int = 1, page_folder: str = "chapters", capitalise: bool = False):
        """One of the report's own statements in prose (the words `says` gives), linked to its
        ledger row with a card: where it is shown, the numbers that decide it and its outcome; so
        that a number inside the words is one click from what decides it, as `number` does for a
        source's number. `use` and `page_folder` as for `number`."""
        words = self.says(statement_id)
        row_id = "says." + statement_id
        card = [f"The report's own statement, checked: {escape.markdown(self.location(row_id))}",
                f"Decided by: {escape.markdown(self.derived(row_id))}",
                f"Outcome: *{escape.markdown(self.outcome(row_id))}*; ledger row `{row_id}`"]
        text = fmt.sentence_case(words) if capitalise else words
        return LinkedNumber(number_link(row_id, escape.markdown(text), card, f"ledger-card-{use}", page_folder))

    def analysis(self, name: str):
        """One of the report's own results, as rederive.analyses computed it."""
        ANALYSES_READ.add(name)
        result = self.ledger.analyses[name].result
        if _RESULT_PARTS.get(id(result)) != name:  # each result object once (a process may build several ledgers)
            _remember_parts(result, name)
        return result

    def summary_of_findings(self) -> pd.DataFrame:
        """The front page's summary of findings: per question, estimate, patients and certainty."""
        from .book import summary_of_findings
        return summary_of_findings.table(self)

    def certainty_reasons(self) -> list[str]:
        """Per question, where its certainty starts and the reason for each step down."""
        from .book import summary_of_findings
        return summary_of_findings.reasons(self)

    def has(self, row_id: str) -> bool:
        return row_id in self.ledger

    def analyses(self) -> list:
        """Every one of the report's own results (name, source, description, inputs)."""
        return list(self.ledger.analyses.values())

    def how_to_cite(self):
        """Title, author, version, commit and data date for citing the report (rederive.book.citation)."""
        import yaml
        from .book.citation import citation
        book = yaml.safe_load((self.root / "_quarto.yml").read_text(encoding="utf-8"))["book"]
        title = f"{book['title']}: {book['subtitle']}" if book.get("subtitle") else book["title"]
        return citation(self.root, title, book["author"])

    def changes(self) -> tuple[str | None, list]:
        """(the previous release, every change of the ledger since it) (rederive.ledger.changes)."""
        import tomllib
        from .ledger import changes
        version = tomllib.loads((self.root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
        previous = changes.previous_release(self.root, version)
        if previous is None:
            return None, []
        old, _ = changes.load_rows(self.root, previous)
        return previous, changes.compare(old, [r.to_csv() for r in self.ledger.rows])

    def unreleased_changes(self) -> tuple[str | None, list]:
        """(this version, every change of the ledger since this version's recorded release): what a
        source update has changed that is not released yet; (None, []) where this version has no
        recorded release."""
        import tomllib
        from .ledger import changes
        version = tomllib.loads((self.root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
        if version not in changes.releases(self.root):
            return None, []
        old, _ = changes.load_rows(self.root, version)
        return version, changes.compare(old, [r.to_csv() for r in self.ledger.rows])

    def chapter_of(self, source: str) -> str | None:
        """The page (chapters/<name>.html) of the chapter about a source: the one whose setup names it."""
        if "_chapters_of" not in self.__dict__:  # read once per report: the book's chapters do not change
            import yaml
            book = yaml.safe_load((self.root / "_quarto.yml").read_text(encoding="utf-8"))["book"]
            texts = {chapter: (self.root / chapter).read_text(encoding="utf-8")
                     for chapter in [*book["chapters"], *book.get("appendices", [])]}
            self.__dict__["_chapters_of"] = texts
        for chapter, text in self.__dict__["_chapters_of"].items():
            if f'SOURCE = "{source}"' in text:
                return str(Path(chapter).with_suffix(".html"))
        return None

    def read_from(self, source: str) -> str:
        """What the report read for a source, as Markdown: the kind of document and the web page
        (source.yml `read`), escaped as text."""
        s = self.ledger.sources[source]
        return f"*{escape.markdown(s.read_kind)}*: {escape.markdown(s.read_page)}"

    def short(self, source: str) -> str:
        """A source's short name; "Synthesis" for the results that read several sources."""
        return self.ledger.sources[source].short if source in self.ledger.sources else source.capitalize()

    # --- whole sources ---
    def assert_as_expected(self, source: str | None = None) -> None:
        bad = self.ledger.unexpected(source)
        if bad:
            lines = [f"{r.id}: expected {r.expected!r}, got {r.outcome!r} (reported {r.reported!r}, derived {r.derived!r})"
                     for r in bad]
            raise UnexpectedOutcome(f"{len(bad)} unexpected outcome(s):\n" + "\n".join(lines))

    def rows(self, source: str | None = None, role: str | None = None, check: str | None = None) -> list[LedgerRow]:
        return [r for r in self.ledger.rows if (source is None or r.source == source)
                and (role is None or r.role == role) and (check is None or r.check == check)]

    def count(self, source: str | None = None, outcome: str | None = None, role: str | None = None) -> int:
        return sum(1 for r in self.rows(source, role) if outcome is None or r.outcome == outcome)

    def findings(self, source: str | None = None) -> list[LedgerRow]:
        """Rows whose expected outcome is not a clean reproduction: the documented findings."""
        return [r for r in self.rows(source) if r.expected not in outcomes.GOOD]

    def findings_list(self, source: str, extra: tuple[str, ...] = ()):
        """The documented findings of a source as a Markdown list, for its callout: where each is
        printed first, then what was printed and derived, the outcome, the note, and its ledger id.
        The numbers that only rest on a finding (rederive.ledger.travel) follow in one item, grouped by
        the root finding each links to."""
        e = escape.markdown
        found = self.findings(source)
        items = [f"**{e(r.location[:1].upper() + r.location[1:])}**: printed \"{e(r.reported)}\"; derived "
                 f"{e(r.derived or 'nothing to derive')}{f' ({e(r.detail)})' if r.detail else ''}; *{e(r.outcome)}*. {e(r.note)} "
                 f"(ledger: {ledger_link(r.id, f'`{r.id}`')})"
                 for r in found if r.outcome != outcomes.RESTS_ON_FLAGGED]
        resting: dict[tuple, list[str]] = {}
        for r in found:
            if r.outcome == outcomes.RESTS_ON_FLAGGED:
                resting.setdefault(r.rests_on, []).append(ledger_link(r.id, f"`{r.id}`"))
        if resting:
            groups = [f"{', '.join(ids)} on {' and '.join(ledger_link(root, f'`{root}`') for root in roots)}"
                      for roots, ids in resting.items()]
            items.append(f"**Numbers that rest on a flagged value**: their own check passes, but their value "
                         f"repeats or is computed from a printed value that carries a finding, so they do not "
                         f"count as holding up: {'; '.join(groups)}.")
        return md_list(items + list(extra))

    def tally(self, source: str | None = None) -> dict[str, int]:
        """Distinct printed values (rederive.ledger.tallies): how many, how many checked, re-derived and
        weak, how many in each outcome group, and, of those that hold up, how many re-derived
        ("holding up, re-derived") and how many weak ("holding up, weak")."""
        values = self._printed_values(source)
        held = tallies.by_kind(values, tallies.GROUP_ORDER[0])
        return {**tallies.summary(values), "holding up, re-derived": held[tallies.RE_DERIVED],
                "holding up, weak": held[tallies.WEAK]}

    def _printed_values(self, source: str | None = None) -> list:
        found = self.__dict__.setdefault("_printed_values_of", {})  # a report's ledger never changes
        if source not in found:
            found[source] = tallies.printed_values([r for r in self.rows(source) if r.source in self.ledger.sources
                                                    and r.role != "analysis"])
        return found[source]

    def status(self) -> pd.DataFrame:
        """Per source and in all: distinct printed values, how many a check applies to, how many of
        those are re-derived or only weakly checked, and how many fall in each outcome group of the
        preface's figure (rederive.ledger.tallies); the index page's table."""
        records = []
        for source_id, label in [*((s, src.short) for s, src in self.ledger.sources.items()), (None, "All sources")]:
            t = self.tally(source_id)
            records.append({"Source": label, "Printed": t["printed"], "Checked": t["checked"],
                            "Re-derived": t[tallies.RE_DERIVED], "Weak": t[tallies.WEAK],
                            **{STATUS_LABELS[g]: t[g] for g in tallies.GROUP_ORDER}})
        return pd.DataFrame(records)

    def outcome_breakdown(self) -> pd.DataFrame:
        """Every outcome of the register rows (a printed value checked twice counts twice), per
        source and in all, with the outcome group each belongs to; the ledger chapter's table."""
        rows = [r for r in self.rows() if r.source in self.ledger.sources and r.role != "analysis"]
        group_of = {o: g for g, members in outcomes.GROUPS.items() for o in members}
        records = []
        for outcome in OUTCOME_ORDER:
            if outcome in (outcomes.PINNED, outcomes.MOVED, outcomes.HOLDS, outcomes.NO_LONGER_HOLDS):
                continue  # the report's own results and statements, not printed numbers
            record = {"Outcome": outcome, "Group": group_of.get(outcome, "no check")}
            for source_id, source in self.ledger.sources.items():
                record[source.short] = sum(r.source == source_id and r.outcome == outcome for r in rows)
            record["All"] = sum(r.outcome == outcome for r in rows)
            records.append(record)
        return pd.DataFrame(records)

    def coverage(self) -> tuple[pd.DataFrame | None, str]:
        """The coverage audit per source (rederive.ledger.coverage) as a table, and a sentence saying what
        was audited; (None, why) where the source documents are not present."""
        from .data import quotes
        from .ledger import coverage
        from .data.exclusions import REASONS
        seeds = quotes.seeds_folder(self.root)
        if not seeds.is_dir():
            return None, ("The coverage audit needs the source documents, which are not shipped with "
                          "the report and were not present for this render.")
        audits, skipped = coverage.run_cached(self.root, seeds)
        shorts = {k: s.short for k, s in self.ledger.sources.items()}
        records = []
        for a in audits:
            excluded = "; ".join(f"{a.excluded[r]} {r}" for r in REASONS if a.excluded.get(r))
            records.append({"Source": shorts[a.source], "Printed numbers": a.printed, "Registered": a.registered,
                            "Excluded": a.excluded_total, "Excluded, by reason": excluded or "none",
                            "Unaccounted": len(a.unaccounted)})
        total = sum(a.printed for a in audits)
        missing = sum(len(a.unaccounted) for a in audits)
        sentence = (f"All {total:,} numbers the {len(audits)} source documents print are accounted for."
                    if not missing else f"{missing} of the {total:,} printed numbers are not accounted for.")
        if skipped:
            sentence += " Not audited: " + "; ".join(skipped) + "."
        return pd.DataFrame(records), sentence


def ledger_link(row_id: str, text: str) -> str:
    """A link from a chapter (chapters/*.qmd) to a ledger row, whose target depends on the format,
    with Quarto's conditional spans: on the web the ledger page (chapters/ledger.html), in the PDF
    the row's anchor in the PDF's own ledger (its findings table), never a web page from the PDF."""
    return (f'[[{text}]({_ledger_target(row_id, "chapters")})]{{.content-visible when-format="html"}}'
            f'[[{text}](#row-{row_id})]{{.content-visible unless-format="html"}}')


def _ledger_target(row_id: str, page_folder: str) -> str:
    return ("" if page_folder == "chapters" else "chapters/") + f"ledger.html#row-{row_id}"


# The raw HTML that opens and closes a linked number's web part (its link and card); the fallback
# leaves out everything between them from the PDF's Markdown (render.fallback._without_web_parts).
NUMBER_WEB_PART_OPENS = '`<span class="ledger-number">`{=html}'
NUMBER_WEB_PART_CLOSES = "`</span></span>`{=html}"


def number_link(row_id: str, text: str, card: list[str], card_id: str, page_folder: str = "chapters") -> str:
    """A number linked to its ledger row, as Markdown. On the web the link carries its card: a
    span (role "tooltip", named by the link's aria-describedby) that theme/book.css shows while
    the link is hovered or focused; in the PDF only the link, to the PDF's own ledger.

    The two spans that hold the link and the card open and close as raw HTML (pandoc's `{=html}`,
    which the other formats drop), the very tags pandoc wrote for them as bracketed spans:
    pandoc's Markdown reader backtracks on nested bracketed spans, and a number with its card
    was four deep (measured with pandoc 3.9: 100 such numbers took 9 s to read, in this form
    1 s; every page and the PDF's Typst read them, some 20 s of a full render). So do the spans
    of the card's lines (the synthesis page, 120 numbers: 1.34 -> 0.76 s). The link and the
    card's lines' text stay Markdown, with the prose's typography."""
    # the space before a line's closing tag: a line that ends in code (`row-id`) would otherwise run
    # its closing backtick into the raw tag's, and pandoc would read both as one code span
    lines = "".join(f'`<span class="ledger-card-line">`{{=html}}{line} `</span>`{{=html}}' for line in card)
    web = lambda part: f'[{part}]{{.content-visible when-format="html"}}'  # noqa: E731
    return (NUMBER_WEB_PART_OPENS
            + web(f'[{text}]({_ledger_target(row_id, page_folder)}){{aria-describedby="{card_id}"}}')
            + f'`<span id="{card_id}" class="ledger-card" role="tooltip" data-pagefind-ignore="all">`{{=html}}'
            + web(lines) + NUMBER_WEB_PART_CLOSES
            + f'[[{text}](#row-{row_id})]{{.content-visible unless-format="html"}}')


def _remember_parts(value, name: str) -> None:
    """Record every part of a result (its containers and floats) as belonging to `name`; labels
    (keys starting with "_") and fields that are not pinned are left out, as analyses.flatten does."""
    import dataclasses
    if isinstance(value, (int, str, bool, type(None))):
        return  # small ints and strings are shared by all of Python: their id says nothing
    _RESULT_PARTS[id(value)] = name
    _PARTS_KEPT.append(value)
    if hasattr(value, "pins"):
        _remember_parts(value.pins(), name)
    if isinstance(value, dict):
        for k, v in value.items():
            if not str(k).startswith("_"):
                _remember_parts(v, name)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            if f.repr:
                _remember_parts(getattr(value, f.name), name)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _remember_parts(v, name)


def unlinked_results(expression: str, namespace: dict, text: str) -> list[str]:
    """The own results (analysis names) an inline expression shows without a link to any of
    their rows: those it read with Report.analysis, those whose part a variable it names
    holds, and those a chapter's function it calls reads from the chapter's variables, unless only counted (inside `len(...)`), judged in words (inside `say.<judgement>(...)`)
    or only a label read (a "_" key). Used by the
    fallback after each inline expression (rederive.render.execute)."""
    import ast
    import types
    if not any(c.isdigit() for c in text):
        return []  # words only ("does not clearly change the response"): no number is shown
    touched = set(ANALYSES_READ)

    def visit(node):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len":
            return  # a count of a result's items is not one of its numbers
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "say"):
            return  # a judgement in words (rederive.book.judgements): its only number is its threshold
        if isinstance(node, (ast.Subscript, ast.Attribute)):
            keys, base = [], node
            while isinstance(base, (ast.Subscript, ast.Attribute)):
                if isinstance(base, ast.Subscript):
                    keys.append(base.slice.value if isinstance(base.slice, ast.Constant) else None)
                    visit(base.slice)
                else:
                    keys.append(base.attr)
                base = base.value
            if isinstance(base, ast.Name) and any(isinstance(k, str) and k.startswith("_") for k in keys):
                return  # a label of a result, not a number
            visit(base)
            return
        if isinstance(node, ast.Name) and id(namespace.get(node.id)) in _RESULT_PARTS:
            touched.add(_RESULT_PARTS[id(namespace[node.id])])
        if isinstance(node, ast.Name) and isinstance(namespace.get(node.id), types.FunctionType):
            # a chapter's helper that reads a result held in a variable of the chapter
            touched.update(_RESULT_PARTS[id(namespace[name])] for name in namespace[node.id].__code__.co_names
                           if id(namespace.get(name)) in _RESULT_PARTS)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(expression.strip(), mode="eval"))
    return sorted(name for name in touched if f"#row-{name}." not in text)


class Markdown:
    """Markdown a chapter shows, as IPython.display.Markdown shows it: through IPython's rich
    display protocol (`_repr_markdown_`), which the kernel's display machinery honours. Defined
    here so that the renderer, which only compares these answers (rederive.book.reads), does not
    import IPython to do so."""
    def __init__(self, data: str):
        self.data = data

    def _repr_markdown_(self) -> str:
        return self.data

    def __repr__(self) -> str:  # no address: a cell's plain-text output is the same in every render
        return "<rederive.report.Markdown object>"

    def __eq__(self, other) -> bool:
        return isinstance(other, Markdown) and other.data == self.data

    __hash__ = None


class LinkedNumber(Markdown):
    """A linked number (Report.number): shown as Markdown by an inline expression, and as its
    Markdown text in an f-string, so that code can build a sentence of linked numbers."""
    def __str__(self) -> str:
        return self.data


def glossary_link(term: str, page_folder: str = "chapters") -> str:
    """The first use of a glossary term on a page (rederive.book.glossary) as a link to its entry: on
    the web the glossary page, in the PDF the glossary chapter of the same PDF. `page_folder` is
    where the page sits: "chapters", or "." for the front page."""
    from .book.glossary import TERMS
    target = ("" if page_folder == "chapters" else "chapters/") + f"glossary.html#gloss-{TERMS[term]}"
    text = escape.markdown(term)
    return (f'[[{text}]({target})]{{.content-visible when-format="html"}}'
            f'[[{text}](#gloss-{TERMS[term]})]{{.content-visible unless-format="html"}}')


def md_table(frame: pd.DataFrame, caption: str | None = None, markdown: tuple[str, ...] = ()):
    """A pandas table as Markdown (a pipe table laid out to fit the page: rederive.book.table_layout),
    which Quarto and pandoc render in every format. A caption here is for a table of the
    unnumbered preface: a bold line above the table, because Quarto's PDF drops a pandoc
    `: caption` there (QUARTO-NOTES.md; the fallback refuses one); a numbered table takes its
    caption from the cell's `tbl-cap` and a `tbl-` label instead. Every text cell is shown as text (rederive.book.escape), except in the
    columns named in `markdown`, which the chapter built as Markdown on purpose (an anchor, a
    link) from text it escaped itself. Cells are shown as the chapter formatted them."""
    from .book.table_layout import break_long_words, pipe_table
    safe = frame.copy()
    for column in safe.columns:
        if column not in markdown:
            safe[column] = safe[column].map(lambda v: escape.markdown(break_long_words(v)) if isinstance(v, str) else v)
    safe.columns = [c if c in markdown else escape.markdown(c) for c in safe.columns]
    return Markdown((f"**{escape.markdown(caption)}**\n\n" if caption else "") + pipe_table(safe))


def md_list(items: list[str]):
    return Markdown("\n".join(f"- {item}" for item in items))


def md_code(text: str, language: str = ""):
    """A fenced code block (for text a reader copies, such as a BibTeX entry)."""
    fence = "````" if "```" in text else "```"
    return Markdown(f"{fence}{language}\n{text}\n{fence}")


def interactive_table(frame: pd.DataFrame, table_id: str, filter_columns: list[str], page: str,
                      unsortable: tuple[str, ...] = ()):
    """A table readers can filter (a pane per filter column, labels in full), search and sort by
    clicking a column's header: itables (DataTables), loading the shared bundle TABLE_LIBRARY
    published beside the book, so it works without a network. `page` is where the table's page
    sits in the book (chapters/ledger.html), to link the bundle. Every row is in the page (no
    downsampling). The id is fixed so that two renders give the same bytes."""
    import os

    import itables
    from IPython.display import HTML
    columns = [list(frame.columns).index(c) for c in filter_columns]
    bundle = os.path.relpath(TABLE_LIBRARY, os.path.dirname(page) or ".")
    html = itables.to_html_datatable(
        frame, table_id=table_id, connected=True, dt_url=bundle, allow_html=True, display_logo_when_loading=False,
        maxBytes=0, text_in_header_can_be_selected=False, autoWidth=False,
        layout={"top1": "searchPanes"}, searchPanes={"columns": columns, "cascadePanes": True, "viewTotal": True},
        columnDefs=[{"targets": [list(frame.columns).index(c) for c in unsortable], "orderable": False}],
        pageLength=25, classes="display compact")
    return HTML(html)


def ledger_row_finder(table_id: str, id_column: int, page: str):
    """The script that makes every `ledger.html#row-<id>` link land on its row. DataTables keeps
    only the current page of the interactive table in the document, so a row on another page has
    no element to scroll to; this finds the row by its id (column `id_column`), clears any filter
    that hides it, turns to its page (unless it is on the page shown), scrolls to it, highlights it
    and gives it the focus, on load and whenever the address's #row-... changes; its quote and
    note are opened. A target that is an element already (a findings or statements row, which
    carry their own anchors) is left to the browser. Written here: DataTables has `row().show()`
    only as a plug-in, which the itables bundle lacks."""
    import json
    import os

    from IPython.display import HTML
    bundle = os.path.relpath(TABLE_LIBRARY, os.path.dirname(page) or ".")
    return HTML(f"""<script type="module">
import {{ jQuery as $ }} from '{bundle}';
const TABLE = {json.dumps('#' + table_id)}, ID_COLUMN = {int(id_column)};
let rowOfId = null;  // id -> row index, made once: asking each row's cell took 60 ms a link
let landed = null;  // the row the address names, once shown: {{target, row}}
function showRow() {{
  const target = decodeURIComponent(location.hash.slice(1));
  if (!target.startsWith("row-") || document.getElementById(target) || !$.fn.dataTable.isDataTable(TABLE)) return;
  const api = $(TABLE).DataTable();
  if (!rowOfId) {{
    const ids = api.column(ID_COLUMN, {{order: "index"}}).data().toArray();
    rowOfId = new Map(api.rows({{order: "index"}}).indexes().toArray().map((index, k) => [ids[k], index]));
  }}
  const index = rowOfId.get(target.slice(4));
  if (index === undefined) return;
  const shown = () => api.rows({{search: "applied", order: "applied"}}).indexes().toArray();
  if (!shown().includes(index)) {{
    if (api.searchPanes) api.searchPanes.clearSelections();
    api.search("").columns().search("").draw();
  }}
  // a row on the page shown is landed on without drawing the table again (a draw takes tens of ms)
  const page = Math.floor(shown().indexOf(index) / api.page.len());
  if (page !== api.page() || !api.row(index).node().isConnected) api.page(page).draw(false);
  document.querySelectorAll(".ledger-target").forEach(row => row.classList.remove("ledger-target"));
  const row = api.row(index).node();
  row.classList.add("ledger-target");
  const details = row.querySelector("details");
  if (details) details.open = true;  // its quote and note at once
  row.tabIndex = -1;
  row.scrollIntoView({{block: "center"}});
  row.focus({{preventScroll: true}});
  landed = {{target, row}};
}}
// A draw takes the table's rows out of the document and puts them back, which takes the focus
// from the row the address names; the search panes draw again a few ms after their filters were
// cleared, so a landing from a filtered table lost its focus to the page (Chromium, seen by the
// landing test). The focus is given back, unless the reader has put it elsewhere.
function keepFocus() {{
  if (landed && landed.row.isConnected && document.activeElement === document.body
      && decodeURIComponent(location.hash.slice(1)) === landed.target) landed.row.focus({{preventScroll: true}});
}}
if ($.fn.dataTable.isDataTable(TABLE)) showRow(); else $(document).one("init.dt", () => setTimeout(showRow));
window.addEventListener("hashchange", showRow);
$(TABLE).on("draw.dt", keepFocus);
</script>""")
