"""python -m rederive check | ledger | render"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import checks
from .ledger import Ledger, build
from .register import RegisterError

EXIT_OK, EXIT_MISMATCH, EXIT_BAD_INPUT = 0, 1, 2


def project_root(start: Path | None = None) -> Path:
    """The folder holding _quarto.yml, searched upwards from start (default: cwd)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "_quarto.yml").exists() and (folder / "data").is_dir():
            return folder
    raise SystemExit(f"rederive: no project (a folder with _quarto.yml and data/) at or above {here}")


def load_or_exit(root: Path) -> Ledger:
    try:
        return build(root)
    except RegisterError as exc:
        print(f"rederive: bad input, {len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def summary_lines(ledger: Ledger) -> list[str]:
    counts = ledger.counts()
    used = [o for o in checks.OUTCOMES if any(o in c for c in counts.values())]
    width = max([len(s) for s in counts] + [6])
    header = f"{'source':<{width}}  {'rows':>4}  " + "  ".join(used) + "  unexpected"
    lines = [header]
    for source, c in counts.items():
        cells = "  ".join(f"{c.get(o, 0):>{len(o)}}" for o in used)
        unexpected = len(ledger.unexpected(source))
        lines.append(f"{source:<{width}}  {sum(c.values()):>4}  {cells}  {unexpected:>10}")
    return lines


def cmd_check(args) -> int:
    ledger = load_or_exit(project_root())
    for line in summary_lines(ledger):
        print(line)
    bad = ledger.unexpected()
    if not bad:
        print(f"ok: all {len(ledger.rows)} outcomes are as the register expects")
        return EXIT_OK
    print(f"\n{len(bad)} unexpected outcome(s):")
    for r in bad:
        print(f"  {r.id} ({r.file}:{r.line}): expected {r.expected!r}, got {r.outcome!r}; "
              f"reported {r.reported!r}, derived {r.derived or '-'}"
              + (f"; {r.detail}" if r.detail else "") + f"; quote: \"{r.quote}\"")
    return EXIT_MISMATCH


def cmd_ledger(args) -> int:
    ledger = load_or_exit(project_root())
    text = ledger.to_json() if args.format == "json" else ledger.to_csv()
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK


def cmd_render(args) -> int:
    from .render import render_project
    return render_project(project_root(), force_fallback=args.fallback)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rederive", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="compare every outcome with the register's expectation")
    p = sub.add_parser("ledger", help="export every row with its derived value and outcome")
    p.add_argument("--format", choices=["json", "csv"], default="json")
    p.add_argument("--output", help="write here instead of stdout")
    p = sub.add_parser("render", help="render the book (Quarto if installed, else the fallback)")
    p.add_argument("--fallback", action="store_true", help="use the fallback even if quarto is on PATH")
    args = parser.parse_args(argv)
    return {"check": cmd_check, "ledger": cmd_ledger, "render": cmd_render}[args.command](args)
