"""The coverage audit: is every number a source document prints accounted for?

Each number the document prints (integers, decimals, percentages, each bound of a range, each
side of a ratio such as 6:6, numbers spelled as words) is found by position in the document's
text (whitespace normalised, as quotes are matched) and accounted for as

- registered: it lies inside an occurrence of the quote of a register row or of a printed
  table's row, or
- excluded: it lies inside an occurrence of an exclusion's context (exclusions.py), which may
  never cover a number that reads as a result (`result_kind`), or
- unaccounted: neither; the audit lists each with its context and fails.

Digits joined to letters are names, not printed numbers (CD19, NCT02500407, D30, PFS-2, ZUMA-1),
and a citation glued to the text ("infusion.1", "months.2-4", "IPI,13", "drugs27,28") is a
reference, not a printed number: neither is counted. No library finds numbers in
running prose by position with these rules (number parsers such as `quantulum3` or
`word2number` parse a value, not account for spans), so this module does it with `re`.
"""
from __future__ import annotations

import bisect

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..data import exclusions as exclusions_module
from ..core.types import Problem, RegisterError, Source
from ..data.register import load_all, normalise_space

_UNITS = "one|two|three|four|five|six|seven|eight|nine"
_TEENS = "ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
# "one" is as often a pronoun ("one of your lists", "one domain binds") as a count, so it counts
# as a number only before a unit the sources count in.
_ONE_COUNTS = r"one(?=\s+(?:trial|trials|patient|patients|study|studies|case|cases|cohort|cohorts|phase)\b)"
NUMBER = re.compile(
    # a citation glued to the text ("infusion.1", "months.2-4", "IPI,13", "drugs27,28"): matched
    # first so that it is skipped, not counted
    r"(?<=[A-Za-z.),])(?P<glued>\d+(?:[-–,]\d+)*)"
    r"|(?<![A-Za-z0-9_.])(?<![A-Za-z]-)(?P<digits>\d{1,3}(?:,\d{3})+(?![\d.])|\d+(?:\.\d+)?)"
    # a decimal without its leading zero (".07") only after a space or sign: "status).15" is a citation
    r"|(?<=[\s=(<>≤≥,;:])(?P<decimal>\.\d+)"
    rf"|\b(?P<words>(?:{_TENS})(?:-(?:{_UNITS}))?|(?:{_TEENS})|(?:two|three|four|five|six|seven|eight|nine)"
    rf"|hundred|thousand|half|{_ONE_COUNTS})\b",
    re.IGNORECASE,
)

# What makes a number read as a result of the study: an exclusion may not cover one.
_P_BEFORE = re.compile(r"\b[Pp]\s*(?:value)?\s*[=<>≤≥]\s*$")
_RATIO_BEFORE = re.compile(r"(?:\b(?:HR|OR|RR)|(?i:\b(?:hazard|odds|risk) ratio))\b[^.;\d]{0,20}$")
_MEDIAN_BEFORE = re.compile(r"\bmedian\b[^.;\d]{0,40}$", re.IGNORECASE)
_N_BEFORE = re.compile(r"\bn\s*=\s*$")
_COUNT_AFTER = re.compile(r"^\s*(?:\(\s*\d+(?:\.\d+)?\s*%|/\s*\d|of\s+(?:the\s+)?\d|(?:of\s+(?:the\s+)?)?(?:patients|participants|responders|subjects|cases)\b)", re.IGNORECASE)
_PERCENT_AFTER = re.compile(r"^\s*%(?!\s*(?:CI|CL|confidence)\b)")  # "95% CI" is a level, not a rate
# A threshold ("at least 10 patients", ">50%") defines, it does not report; "more than half" reports.
_THRESHOLD_BEFORE = re.compile(r"(?:[<>≤≥]|\bat least)\s*$", re.IGNORECASE)
_GRADE_BEFORE = re.compile(r"\bgrades?\s*[≥≤<>]?\s*$", re.IGNORECASE)  # "grade 3/4" is a grade, not 3 of 4
_RESULT_WORDS = re.compile(
    r"\b(?:patients?|participants|respon\w*|surviv\w*|ORR|CRR?|PFS|OS|relaps\w*|progress\w*|died|deaths?|events?|toxicit\w*|rate)\b",
    re.IGNORECASE)


def result_kind(text: str, start: int, end: int) -> str | None:
    """Why the number at text[start:end] reads as a result (a P value, a ratio, a median, a count
    of patients, a rate), or None. Deliberately wide: a false alarm costs a register row, a miss
    would let an exclusion hide a result."""
    before, after = text[max(0, start - 60):start], text[end:end + 60]
    if _P_BEFORE.search(before):
        return "a P value"
    if _GRADE_BEFORE.search(before):
        return None
    if _RATIO_BEFORE.search(before):
        return "a ratio"
    threshold = _THRESHOLD_BEFORE.search(before)
    if _N_BEFORE.search(before) or (_COUNT_AFTER.match(after) and not threshold):
        return "a count"
    if _MEDIAN_BEFORE.search(before):
        return "a median"
    if _PERCENT_AFTER.match(after) and not threshold \
            and _RESULT_WORDS.search(before + " " + after):
        return "a rate"
    return None


# Whether an exclusion's reason fits the number it covers ("date" beside "10.5 months" does not).
_MONTH = (r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December"
          r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\b\.?")
_MONTH_NEAR = re.compile(rf"{_MONTH}[\s,]{{0,3}}$|^[\s,]{{0,3}}(?:of\s+)?{_MONTH}")
_NUMERIC_DATE = re.compile(r"^[/.-]\d{1,4}(?:[/.-]\d{1,4})?|\d{1,4}[/.-]$")
_MEASURE_AFTER = re.compile(r"^\s*(?:%|-?(?:months?|weeks?|days?|years?|mo|patients?|mg|cycles?)\b)", re.IGNORECASE)
_OUTCOME_BEFORE = re.compile(r"\b(?:PFS|OS|ORR|CRR?|DOR|EFS|response|survival|rate|follow-up)\b[^.;\d()\[\]]{0,15}$",
                             re.IGNORECASE)  # "response (8)": a citation in brackets is not a value given for it


def reason_misfit(reason: str, text: str, number) -> str | None:
    """Why `reason` cannot be what the number at `number` is (None when it can): a date is a
    year, a day or year beside a month's name, or part of a numeric date; a reference or citation
    number is not a measure (a percentage, a duration, a count of patients) nor a value given for
    an outcome ("a PFS of 10.5")."""
    before, after = text[max(0, number.start - 40):number.start], text[number.end:number.end + 40]
    value = number.text
    if reason == "date":
        year = value.isdigit() and len(value) == 4 and 1900 <= int(value) <= 2099
        if not (year or _MONTH_NEAR.search(before) or _MONTH_NEAR.match(after)
                or _NUMERIC_DATE.match(after) or _NUMERIC_DATE.search(before)):
            return "it does not read as a date (a year, a day or year beside a month, or a numeric date)"
    if reason in ("date", "reference or citation number"):
        if _MEASURE_AFTER.match(after):
            return f"it is a measure ({value}{_MEASURE_AFTER.match(after).group(0)})"
        if _OUTCOME_BEFORE.search(before):
            return f"it is given for an outcome ({_OUTCOME_BEFORE.search(before).group(0).strip()} {value})"
    return None


@dataclass(frozen=True)
class Number:
    start: int
    end: int
    text: str


@dataclass
class Audit:
    source: str
    document: str
    printed: int = 0
    registered: int = 0
    excluded: Counter = field(default_factory=Counter)
    unaccounted: list[tuple[Number, str]] = field(default_factory=list)  # (number, context)

    @property
    def excluded_total(self) -> int:
        return sum(self.excluded.values())


def numbers(text: str) -> list[Number]:
    return [Number(m.start(), m.end(), m.group(0)) for m in NUMBER.finditer(text) if not m.group("glued")]


def _occurrences(text: str, needle: str) -> list[tuple[int, int]]:
    spans, at = [], text.find(needle)
    while needle and at >= 0:
        spans.append((at, at + len(needle)))
        at = text.find(needle, at + 1)
    return spans


def _covered(spans: list[tuple[int, int]], number: Number) -> bool:
    return any(a <= number.start and number.end <= b for a, b in spans)


class _Spans:
    """Spans of a text, asked many times whether one holds a number: of the spans starting at or
    before the number, the one reaching furthest decides (bisect rather than a scan of every span)."""
    def __init__(self, spans: list[tuple[int, int]]):
        ordered = sorted(spans)
        self.starts = [a for a, _ in ordered]
        self.reach, furthest = [], -1
        for _, b in ordered:
            furthest = max(furthest, b)
            self.reach.append(furthest)

    def cover(self, number: Number) -> bool:
        i = bisect.bisect_right(self.starts, number.start)
        return i > 0 and self.reach[i - 1] >= number.end


def _inside(found: list[Number], starts: list[int], span: tuple[int, int]):
    """The numbers (in text order) that lie within span."""
    a, b = span
    for number in found[bisect.bisect_left(starts, a):bisect.bisect_left(starts, b)]:
        if number.end <= b:
            yield number


def context(text: str, number: Number, width: int = 50) -> str:
    left = text[max(0, number.start - width):number.start]
    right = text[number.end:number.end + width]
    return f"…{left}[{number.text}]{right}…"


def audit_source(source: Source, text: str, excl: list[exclusions_module.Exclusion],
                 problems: list[Problem]) -> Audit:
    """Account for every number in the source's document text (already space-normalised)."""
    quotes = [normalise_space(r.quote) for r in source.rows]
    quotes += [normalise_space(r["quote"]) for t in source.tables.values() for r in t.rows]
    registered = [span for q in set(quotes) for span in _occurrences(text, q)]
    excluded: list[tuple[tuple[int, int], exclusions_module.Exclusion]] = []
    for e in excl:
        spans = _occurrences(text, normalise_space(e.context))
        if not spans:
            problems.append(Problem(e.file, e.line, "context", f"not verbatim in {source.current_seed}"))
            continue
        if e.through:
            ends = []
            for a, b in spans:
                at = text.find(normalise_space(e.through), b)
                if at < 0:
                    problems.append(Problem(e.file, e.line, "through", f"does not occur after the context in {source.current_seed}"))
                    break
                ends.append((a, at + len(normalise_space(e.through))))
            else:
                spans = ends
        excluded += [(span, e) for span in spans]
    result = Audit(source.id, source.current_seed)
    found = numbers(text)
    # An exclusion may not span a result, even one that a register row also quotes.
    refused = set()
    starts = [number.start for number in found]  # in text order, as NUMBER finds them
    for span, e in excluded:
        for number in _inside(found, starts, span):
            kind = result_kind(text, number.start, number.end)
            if kind and (e.line, number.start) not in refused:
                refused.add((e.line, number.start))
                problems.append(Problem(e.file, e.line, "context",
                                        f"an exclusion may not cover a result: {number.text!r} reads as {kind} "
                                        f"in {context(text, number, 30)!r}; register it instead"))
            misfit = not kind and reason_misfit(e.reason, text, number)
            if misfit and (e.line, number.start) not in refused:
                refused.add((e.line, number.start))
                problems.append(Problem(e.file, e.line, "reason",
                                        f"{e.reason!r} does not fit {number.text!r} in {context(text, number, 30)!r}: "
                                        f"{misfit}; give the reason that fits, or register it"))
    registered_spans = _Spans(registered)
    for number in found:
        result.printed += 1
        if registered_spans.cover(number):
            result.registered += 1
            continue
        hits = [e for span, e in excluded if _covered([span], number)]
        if hits:
            result.excluded[hits[0].reason] += 1
        else:
            result.unaccounted.append((number, context(text, number)))
    return result


def run(root: Path, seeds: Path) -> tuple[list[Audit], list[str]]:
    """Audits for every source whose document is present, and the sources skipped (with why).
    RegisterError on bad input (a register, an exclusion that is not verbatim or hides a result)."""
    sources = load_all(root)
    problems: list[Problem] = []
    audits, skipped = [], []
    for source in sources:
        excl = exclusions_module.load(source.directory, root, problems)
        path = seeds / source.current_seed  # the document as it stands now: its latest version
        if not path.is_file():
            skipped.append(f"{source.id}: document {source.current_seed} is not present in {seeds}")
            continue
        try:
            text = normalise_space(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(str((source.directory / 'source.yml').relative_to(root)), None, "seed",
                                    f"cannot read {source.current_seed!r}: {exc}"))
            continue
        audits.append(audit_source(source, text, excl, problems))
    if problems:
        raise RegisterError(problems)
    return audits, skipped


CACHE = ".rederive/coverage.json"


def run_cached(root: Path, seeds: Path) -> tuple[list[Audit], list[str]]:
    """`run`, reused while data/, the engine and every document in the seeds folder are
    byte-identical to what it audited (a cache in .rederive/, data only and authenticated,
    rederive.ledger.datacache, like the analysis cache): the chapters that show the audit, and the
    render comparing what they read, ask for it on every render."""
    import hashlib

    from . import datacache
    from .cache import data_fingerprint, engine_fingerprint
    documents = hashlib.sha256()
    for path in sorted(p for p in seeds.rglob("*") if p.is_file()):
        documents.update(str(path.relative_to(seeds)).encode() + b"\0" + path.read_bytes())
    key = f"{data_fingerprint(root)} {engine_fingerprint()} {documents.hexdigest()}"
    try:
        saved = datacache.load(root / CACHE, "coverage")
        if (isinstance(saved, dict) and saved.get("key") == key and isinstance(saved.get("skipped"), list)
                and isinstance(saved.get("audits"), list) and all(isinstance(a, Audit) for a in saved["audits"])):
            return saved["audits"], saved["skipped"]
    except datacache.CacheMiss:
        pass
    audits, skipped = run(root, seeds)
    datacache.save(root / CACHE, "coverage", {"key": key, "audits": audits, "skipped": skipped})
    return audits, skipped

