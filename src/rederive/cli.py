"""python -m rederive check | ledger | pin | update | diff | release | new-source | coverage | mutation | render

Exit codes: 0 all outcomes as expected; 1 an outcome differs (a finding changed); 2 bad input
(every problem listed, one line each, naming file, row and column); 3 an internal error (a bug
in the engine, not in the data: one line, never mistaken for a finding); 4 a file could not be
written (disk full, a size limit, no permission: the previous file is left as it was); 130
interrupted.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from .core import outcomes
from .ledger.ledger import Ledger, build
from .core.paths import NoProject, project_root
from .core.files import WriteError
from .core.types import RegisterError

EXIT_OK, EXIT_MISMATCH, EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_CANNOT_WRITE, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130


def _root() -> Path:
    try:
        return project_root()
    except NoProject as exc:
        print(f"rederive: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def load_or_exit(root: Path, loader=build) -> Ledger:
    try:
        return loader(root)
    except RegisterError as exc:
        print(f"rederive: bad input, {len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def summary_lines(ledger: Ledger) -> list[str]:
    counts = ledger.counts()
    used = [o for o in outcomes.ORDER if any(o in c for c in counts.values())]
    width = max([len(s) for s in counts] + [6])
    header = f"{'source':<{width}}  {'rows':>4}  " + "  ".join(used) + "  unexpected"
    lines = [header]
    for source, c in counts.items():
        cells = "  ".join(f"{c.get(o, 0):>{len(o)}}" for o in used)
        unexpected = len(ledger.unexpected(source))
        lines.append(f"{source:<{width}}  {sum(c.values()):>4}  {cells}  {unexpected:>10}")
    return lines


def cmd_check(args) -> int:
    from .data import quotes
    root = _root()
    ledger = load_or_exit(root)
    from .ledger.updating import quote_remedy, remedy
    problems, verified = quotes.verify(list(ledger.sources.values()), root)
    if problems:
        print(f"rederive: bad input, {len(problems)} problem(s):", file=sys.stderr)
        for problem in problems:
            hint = quote_remedy(problem, ledger) if problem.column == "quote" else ""
            print(f"  {problem}" + (f" -> {hint}" if hint else ""), file=sys.stderr)
        return EXIT_BAD_INPUT
    for line in summary_lines(ledger):
        print(line)
    print(verified)
    if args.save:
        from .ledger.store import save
        save(ledger, root, Path(args.save))
    bad = ledger.unexpected()
    if not bad:
        if args.exports:
            from .ledger.store import fingerprint
            write_exports(ledger, _inside(root, args.exports), fingerprint(root))
        print(f"ok: all {len(ledger.rows)} outcomes are as the register expects")
        return EXIT_OK
    print(f"\n{len(bad)} unexpected outcome(s):")
    for r in bad:
        print(f"  {r.id} ({r.file}:{r.line}): expected {r.expected!r}, got {r.outcome!r}; "
              f"reported {r.reported!r}, derived {r.derived or '-'}"
              + (f"; {r.detail}" if r.detail else "") + (f"; quote: \"{r.quote}\"" if r.quote else "")
              + f" -> {remedy(r, ledger)}")
    return EXIT_MISMATCH


def cmd_ledger(args) -> int:
    if args.output and Path(args.output).is_dir():
        print(f"rederive ledger: --output {args.output} is a folder; name the file to write", file=sys.stderr)
        return EXIT_BAD_INPUT
    ledger = load_or_exit(_root())
    text = ledger.to_json() if args.format == "json" else ledger.to_csv()
    if args.output:
        from .core.files import write_atomically
        write_atomically(Path(args.output), text)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK


def cmd_exports(args) -> int:
    """ledger.csv and ledger.json, and the interactive table's script, into a folder (by default
    the render's output folder, as a post-render step would)."""
    import os

    from .ledger.store import load
    folder = args.output_dir or os.environ.get("QUARTO_PROJECT_OUTPUT_DIR")
    if not folder:
        print("rederive exports: no --output-dir and no QUARTO_PROJECT_OUTPUT_DIR", file=sys.stderr)
        return EXIT_BAD_INPUT
    root = _root()
    ledger = load_or_exit(root, load)  # the one this render's pre-render check saved, if still current
    write_exports(ledger, _inside(root, folder))
    return EXIT_OK


def write_exports(ledger, folder: Path, fingerprint: str = "") -> None:
    """ledger.csv, ledger.json and the interactive ledger's script (rederive.book.table_library)
    into `folder`. The render's pre-render check writes them from the ledger it saves, and its
    post-render step (tools/publish-exports) only copies them beside the book: the render starts
    no Python process after its chapters to write them. The folder is emptied first: it holds
    only what this check wrote. With a `fingerprint` of what the ledger was built from, nothing
    is written when the folder holds this ledger's exports already, as an authenticated record
    beside it says (rederive.ledger.datacache; the files' digests are compared too): a render with
    nothing changed spends no time on them."""
    import hashlib
    import importlib.metadata
    import shutil

    from .ledger import datacache
    record = folder.with_name(folder.name + ".json")

    def digests():
        return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(folder.rglob("*")) if p.is_file()}
    # the script is itables': a new version of it changes the exports too
    key = f"{fingerprint} itables {importlib.metadata.version('itables')}" if fingerprint else None
    if key:
        try:
            saved = datacache.load(record, "exports")
            if isinstance(saved, dict) and saved.get("key") == key and saved.get("files") == digests():
                return
        except (datacache.CacheMiss, OSError):
            pass
    from .core.files import write_atomically
    from .book.table_library import publish_table_library
    shutil.rmtree(folder, ignore_errors=True)
    record.unlink(missing_ok=True)
    write_atomically(folder / "ledger.csv", ledger.to_csv())
    write_atomically(folder / "ledger.json", ledger.to_json())
    publish_table_library(folder)  # the interactive ledger's script, shared rather than inlined
    if key:
        datacache.save(record, "exports", {"key": key, "files": digests()})


def _inside(root: Path, folder: str) -> Path:
    """A folder given on the command line, relative to the project's root unless absolute."""
    return Path(folder) if Path(folder).is_absolute() else root / folder


def cmd_pin(args) -> int:
    from .ledger.pinning import pin
    return pin(_root(), args.update, args.note)


def cmd_update(args) -> int:
    from .ledger.updating import walk
    root = _root()
    return walk(root, load_or_exit(root), args.source, args.note)


def cmd_diff(args) -> int:
    import tomllib

    from .ledger import changes
    root = _root()
    rev = args.rev
    if rev is None:
        version = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
        rev = changes.previous_release(root, version)
        if rev is None:
            print(f"rederive diff: no release before {version} is recorded under {changes.RELEASES}/; "
                  "name a git revision or a ledger export", file=sys.stderr)
            return EXIT_BAD_INPUT
    try:
        old, against = changes.load_rows(root, rev)
    except changes.NoPreviousLedger as exc:
        print(f"rederive diff: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    found = changes.compare(old, [r.to_csv() for r in load_or_exit(root).rows])
    if args.format == "json":
        import dataclasses
        import json
        print(json.dumps({"since": against, "changes": [dataclasses.asdict(c) for c in found]}, indent=2,
                         ensure_ascii=False))
    else:
        print("\n".join(changes.lines(found, against)))
    return EXIT_OK


def cmd_release(args) -> int:
    """Bump the version and record the release's ledger; only when every outcome is as expected."""
    from .ledger import changes
    root = _root()
    ledger = load_or_exit(root)
    if ledger.unexpected():
        print(f"rederive release: {len(ledger.unexpected())} unexpected outcome(s); python -m rederive check lists them",
              file=sys.stderr)
        return EXIT_MISMATCH
    try:
        written = changes.release(root, args.version, [r.to_csv() for r in ledger.rows])
    except ValueError as exc:
        print(f"rederive release: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"release {args.version}: wrote {', '.join(written)}")
    return EXIT_OK


def cmd_new_source(args) -> int:
    from .data.scaffold import ScaffoldError, new_source
    try:
        written = new_source(_root(), args.name, args.seed, args.short, args.title)
    except ScaffoldError as exc:
        print(f"rederive new-source: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print("wrote " + ", ".join(written))
    print("next: README, 'Adding a source' (register rows, derivations, the chapter's prose, the bibliography entry)")
    return EXIT_OK


def cmd_render(args) -> int:
    from .render import render_project
    return render_project(_root(), force_fallback=args.fallback, reuse=not args.fresh)


def cmd_mutation(args) -> int:
    from .data import quotes
    from .ledger import mutation
    root = _root()
    seeds = quotes.seeds_folder(root)
    scores = mutation.run(root, seeds if seeds.is_dir() else None, args.source)
    for line in mutation.table(scores):
        print(line)
    neither = [u for s in scores for u in s.uncaught if u.role == "claim"]
    exact_quote_only = [q for s in scores for q in s.quote_only if q.role == "claim" and q.why is None]
    bounded = Counter(q.why for s in scores for q in s.quote_only if q.role == "claim" and q.why)
    inputs = [u for s in scores for u in s.uncaught if u.role == "input"]
    if bounded:
        print("\nclaim mutations that re-derivation lets through and the quote test catches, by reason:")
        for reason, n in bounded.most_common():
            print(f"  {n:>4}  {reason}")
    if inputs:
        print(f"\n{len(inputs)} input mutation(s) caught by neither (plain inputs that feed no check, no "
              "re-derived number and no analysis):")
        for u in inputs:
            print(f"  {u}")
    bad = neither + exact_quote_only
    if bad:
        print(f"\n{len(bad)} claim mutation(s) that re-derivation should catch and does not:")
        for u in bad:
            print(f"  {u}")
        return EXIT_MISMATCH
    print("\nok: every claim mutation is caught by check (re-derivation, or the quote verification check "
          "runs where the documents are present)")
    return EXIT_OK


def coverage_lines(audits) -> list[str]:
    from .data.exclusions import REASONS
    used = [r for r in REASONS if any(a.excluded.get(r) for a in audits)]
    width = max([len(a.source) for a in audits] + [6])
    lines = [f"{'source':<{width}}  printed  registered  excluded  unaccounted"]
    for a in audits:
        lines.append(f"{a.source:<{width}}  {a.printed:>7}  {a.registered:>10}  {a.excluded_total:>8}  {len(a.unaccounted):>11}")
    for r in used:
        lines.append(f"  excluded as {r}: " + ", ".join(f"{a.source} {a.excluded[r]}" for a in audits if a.excluded.get(r)))
    return lines


def cmd_coverage(args) -> int:
    from .data import quotes
    from .ledger import coverage
    root = _root()
    seeds = quotes.seeds_folder(root)
    if not seeds.is_dir():
        print(f"rederive: coverage needs the source documents, not present at {seeds}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        audits, skipped = coverage.run(root, seeds)
    except RegisterError as exc:
        print(f"rederive: bad input, {len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for line in coverage_lines(audits) + [f"skipped {s}" for s in skipped]:
        print(line)
    missing = sum(len(a.unaccounted) for a in audits)
    if not missing:
        print(f"ok: every printed number is registered or excluded with a reason ({sum(a.printed for a in audits)} numbers)")
        return EXIT_OK
    for a in audits:
        shown = a.unaccounted if args.all else a.unaccounted[:40]
        if shown:
            print(f"\n{a.source} ({a.document}): {len(a.unaccounted)} unaccounted")
        for number, where in shown:
            print(f"  {number.text}: {where}")
        if len(shown) < len(a.unaccounted):
            print(f"  ... {len(a.unaccounted) - len(shown)} more (--all lists them)")
    return EXIT_MISMATCH


def main(argv: list[str] | None = None) -> int:
    """The command, with every way it can end mapped to one line and an exit code."""
    try:
        return _main(argv)
    except SystemExit as exc:  # the commands' own early exits (bad input found while loading)
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    except RegisterError as exc:  # bad input found outside a command's own handling
        print(f"rederive: bad input, {len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("rederive: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except WriteError as exc:  # the environment refused a write, not a bug and not bad data
        print(f"rederive: {exc}", file=sys.stderr)
        return EXIT_CANNOT_WRITE
    except BrokenPipeError:  # the reader went away (`... | head`): nothing more to say
        sys.stderr.close()
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - a bug must end in one line and its own code, not a finding's
        where = ""
        tb = exc.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        if tb is not None:
            where = f" at {Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}"
        print(f"rederive: internal error (a bug in the engine, not in the data){where}: "
              f"{type(exc).__name__}: {' '.join(str(exc).split())}", file=sys.stderr)
        return EXIT_INTERNAL


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rederive", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("check", help="compare every outcome with the register's expectation")
    p.add_argument("--save", help="also save the ledger here, for the chapters of this render to load")
    p.add_argument("--exports", help="when every outcome is as expected, also write ledger.csv, ledger.json "
                                     "and the interactive ledger's script here, for the render to publish")
    p = sub.add_parser("ledger", help="export every row with its derived value and outcome")
    p.add_argument("--format", choices=["json", "csv"], default="json")
    p.add_argument("--output", help="write here instead of stdout")
    p = sub.add_parser("exports", help="write ledger.csv and ledger.json into the render's output folder")
    p.add_argument("--output-dir", help="default: $QUARTO_PROJECT_OUTPUT_DIR (set by Quarto for post-render)")
    p = sub.add_parser("pin", help="pin new analysis results in data/analyses.csv; --update moved ones")
    p.add_argument("--update", nargs="*", default=None, metavar="ID",
                   help="re-pin these moved results (ids, or a prefix ending in '.')")
    p.add_argument("--note", default="", help="why the pinned values changed (required with --update)")
    p = sub.add_parser("update", help="a source's new numbers: every consequence, old and new; --note accepts its moved results")
    p.add_argument("source", help="the source's id (a folder under data/)")
    p.add_argument("--note", default=None, help="what changed in the source; accepts the moved results that read it")
    p = sub.add_parser("diff", help="what changed in the ledger since a release (a git tag or a ledger export)")
    p.add_argument("rev", nargs="?", help="a git revision, a release version recorded under releases/, or a "
                   "ledger export (JSON); default: the release before the current version")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p = sub.add_parser("release", help="bump the version (pyproject.toml, CITATION.cff) and record the ledger under releases/")
    p.add_argument("version", help="x.y.z")
    p = sub.add_parser("new-source", help="scaffold a new source: register, modules, chapter, _quarto.yml, references.bib")
    p.add_argument("name", help="the source's id, e.g. smith2026 (lower-case letters and digits)")
    p.add_argument("--seed", required=True, help="the file name of its document in the seeds folder")
    p.add_argument("--short", help="its short name, e.g. 'Smith 2026'")
    p.add_argument("--title", help="what it is, one line")
    p = sub.add_parser("coverage", help="account for every number each source document prints")
    p.add_argument("--all", action="store_true", help="list every unaccounted number (default: the first 40 per source)")
    p = sub.add_parser("mutation", help="perturb every printed number: is each caught by check or the quote test?")
    p.add_argument("--source", action="append", help="only this source (repeatable)")
    p = sub.add_parser("render", help="render the book (Quarto if installed, else the fallback)")
    p.add_argument("--fallback", action="store_true", help="use the fallback even if quarto is on PATH")
    p.add_argument("--fresh", action="store_true",
                   help="the fallback re-executes every chapter, reusing none (Quarto always does)")
    args = parser.parse_args(argv)
    return {"check": cmd_check, "ledger": cmd_ledger, "exports": cmd_exports, "pin": cmd_pin, "update": cmd_update, "diff": cmd_diff, "release": cmd_release,
            "new-source": cmd_new_source,
            "coverage": cmd_coverage, "mutation": cmd_mutation, "render": cmd_render}[args.command](args)
