"""The report's own results, and the pins that guard them.

Chapters show results this report computes itself (a method comparison, a leave-one-out, the
subgroup splits a set of printed rates allows, a Kaplan-Meier enumeration). Each is produced
here, by one module per source (`analyses/<source>.py`, `analyses(inputs) -> {name: result}`),
never in a chapter. Every scalar a result holds is pinned in data/analyses.csv at a stated
precision, and `check` compares the engine's value with its pin: an engine change that moves a
shown result fails the build until the pin is updated with a note (`python -m rederive pin`).
"""
from __future__ import annotations

import dataclasses
import importlib
import numbers
from dataclasses import dataclass
from fractions import Fraction

from ..core import formatting as fmt
from ..data.inputs import Inputs, UnknownInput, combined
from ..core.types import Problem, Source

DEFAULT_DIGITS = 4  # significant digits of a pinned float: finer than any shown value


@dataclass(frozen=True)
class Analysis:
    name: str
    source: str
    description: str
    result: object  # what chapters read
    inputs: tuple  # the register rows and tables it read
    error: str = ""  # why it could not be computed from the register's values (a finding, not bad input)


def flatten(result, prefix: str = "") -> dict:
    """Every scalar in a result, by dotted key: dicts by key, dataclasses by field (or by their
    own pins()), lists by position; tuples of scalars are one text value. Keys starting with
    "_" (labels for display) and fields declared repr=False are not pinned."""
    out: dict = {}

    def walk(value, key):
        if hasattr(value, "pins"):
            value = value.pins()
        if isinstance(value, dict):
            for k, v in value.items():
                if not str(k).startswith("_"):
                    walk(v, f"{key}.{k}" if key else str(k))
        elif dataclasses.is_dataclass(value):
            for f in dataclasses.fields(value):
                if f.repr:
                    walk(getattr(value, f.name), f"{key}.{f.name}" if key else f.name)
        elif isinstance(value, tuple) and all(isinstance(v, (int, str, Fraction)) for v in value):
            out[key] = ", ".join(str(v) for v in value)
        elif isinstance(value, (list, tuple)):
            for i, v in enumerate(value):
                walk(v, f"{key}.{i}")
        else:
            out[key] = value

    walk(result, prefix)
    return out


def pin_text(value, digits: int = DEFAULT_DIGITS) -> str:
    """How a value is written in data/analyses.csv."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, (numbers.Real, Fraction)):
        return fmt.number(value, digits)
    return str(value)


def matches(value, pinned: str, digits: str) -> bool:
    """The engine's value still gives the pinned text at the pinned precision."""
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        try:
            pinned_value = Fraction(pinned)
        except (ValueError, ZeroDivisionError):
            return False
        shown = Fraction(fmt.number(value, int(digits or DEFAULT_DIGITS)))
        return shown == pinned_value
    return pin_text(value) == pinned


def _input_key(source: Source, reads: tuple) -> str:
    """What an analysis read, as text: each row's printed value and each table's cells."""
    rows = {r.id: r for r in source.rows}
    parts = []
    for read in reads:
        if read in rows:
            parts.append(f"{read}={rows[read].corrected or rows[read].reported}")
        else:  # a table, "<source>/<name>.csv"
            name = read.removesuffix(".csv")
            table = source.tables.get(name) or source.tables.get(name.split("/", 1)[-1])
            parts.append(f"{read}={table.rows if table else None}")
    return "\n".join(parts)


def run(sources: list[Source], problems: list[Problem], cache: dict | None = None) -> list[Analysis]:
    """Every analysis of every source that has an analyses module.

    `cache` ({name: (input key, Analysis)}) lets a result be reused when every input it read is
    unchanged; the caller keeps one cache per version of the engine (rederive.ledger.cache)."""
    out = []
    for source in [*sources, combined(sources)]:
        try:
            module = importlib.import_module(f"rederive.analyses.{source.id}")
        except ModuleNotFoundError:
            continue
        x = Inputs(source)
        for name, function in module.ANALYSES.items():
            cached = (cache or {}).get(name)
            if cached is not None and cached[0] == _input_key(source, cached[1].inputs):
                out.append(cached[1])
                continue
            x.take_reads()
            doc = (function.__doc__ or name).strip().splitlines()[0]
            try:
                analysis = Analysis(name, source.id, doc, function(x), x.take_reads())
            except UnknownInput as exc:
                problems.append(Problem(f"src/rederive/analyses/{source.id}.py", None, None,
                                        f"{name} reads id {exc.args[0]!r}, which is not in the register"))
                continue
            except (ValueError, ZeroDivisionError, ArithmeticError, TypeError, IndexError, KeyError) as exc:
                # The values it read no longer allow the result: every pin of it has moved.
                analysis = Analysis(name, source.id, doc, None, x.take_reads(), f"{type(exc).__name__}: {exc}")
            if cache is not None and not analysis.error:
                cache[name] = (_input_key(source, analysis.inputs), analysis)
            out.append(analysis)
    return out
