"""`make bench`: speed and memory, measured here rather than in timed tests.

Every figure is a median of repeated runs made in the same session (except the ledger build
without its cache, the 1M-row register and the test suite: one run each), so ratios compare like
with like on whatever machine runs it. The table is printed and written to benchmarks/results.md.

Targets (issue 11, for the 2-core machines this project runs on):
  - `check` at most 1.2 times the import floor (`python -c "import pandas, scipy.stats"`);
  - the full fallback render within 30 s (every chapter executed: --fresh), beside the same
    render with its kernels started by jupyter_client rather than forked (REDERIVE_FORK_KERNELS=0);
  - a re-render with nothing changed within 2 s (issue 19: the check and the comparison only),
    printed also as a ratio to the same tree's check;
  - a re-render after a note edit in one source within 5 s (issue 19; the fallback re-executes only
    the chapters that read a changed value, field by field: rederive.book.reads), also as a ratio to
    the check, re-executing no chapter but the source's and the ledger's (which shows notes);
  - the engine on synthetic registers of 10k, 100k (and, with --million, 1M) rows, a mix of
    checks: cost linear in rows, 100k rows within 5 s;
  - building the ledger with a warm analysis cache within 2 s, peak memory under 250 MB;
  - the test suite (`make test`'s command) within 2 minutes.
The renders run in a scratch copy of the project (with ../shared beside it, as here), so the
project's own book and caches are left alone.
Exits 1 when a target is missed. `--no-render` skips the renders, `--no-suite` the test suite;
`--million` adds 1M rows.
"""
from __future__ import annotations

import csv
import os
import re
import resource
from decimal import ROUND_HALF_UP, Decimal
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from rederive.ledger import cache  # noqa: E402
from rederive.ledger.ledger import build  # noqa: E402
from rederive.core.paths import copy_project  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results.md"


def wall(command: list[str], runs: int) -> float:
    """Median wall time of a command, in seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, capture_output=True, check=True)
    return time.perf_counter() - start


def synthetic_project(folder: Path, units: int) -> Path:
    """A project with one source of `units` x 4 rows: two counts, a percentage of them (checked
    by re-derivation), and their sum (checked too)."""
    (folder / "_quarto.yml").write_text("project:\n  type: book\n")
    data = folder / "data" / "synthetic"
    data.mkdir(parents=True)
    (data / "source.yml").write_text("id: synthetic\nshort: Synthetic\ntitle: t\nseed: none.txt\ncitation: none\n")
    with (data / "claims.csv").open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["id", "location", "quote", "reported", "corrected", "role", "check", "expected", "note"])
        for i in range(units):
            k, n = 1 + i % 97, 100 + i % 211
            pct = f"{(Decimal(100 * k) / n).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"  # as the sources round
            quote = f"{k} of {n} ({pct}), {n + k} in all"
            w.writerow([f"k{i}", "x", quote, k, "", "input", "none", "input", ""])
            w.writerow([f"n{i}", "x", quote, n, "", "input", "none", "input", ""])
            w.writerow([f"p{i}", "x", quote, pct, "", "claim", "percent_of_counts", "reproduced", ""])
            w.writerow([f"s{i}", "x", quote, n + k, "", "claim", "sum", "reproduced", ""])
    return folder


def _synthetic_module(units: int):
    from rederive.checks.derivations import Percent, Total
    module = types.ModuleType("rederive.sources.synthetic")

    def derive(x):
        d = x.derivations()
        for i in range(units):
            d[f"p{i}"] = Percent(x.n(f"k{i}"), x.n(f"n{i}"))
            d[f"s{i}"] = Total((x.n(f"n{i}"), x.n(f"k{i}")))
        return d
    module.derive = derive
    return module


def synthetic_seconds(rows: int) -> float:
    units = rows // 4
    sys.modules["rederive.sources.synthetic"] = _synthetic_module(units)
    with tempfile.TemporaryDirectory() as tmp:
        root = synthetic_project(Path(tmp), units)
        start = time.perf_counter()
        ledger = build(root, with_analyses=False)
        seconds = time.perf_counter() - start
    assert len(ledger.rows) == 4 * units and not ledger.unexpected()
    return seconds


def scratch_copy(folder: Path) -> Path:
    """The tracked project files in folder/project, with the shared documents beside it."""
    project = copy_project(ROOT, folder / "project")
    if (ROOT.parent / "shared").is_dir():
        (folder / "shared").symlink_to(ROOT.parent / "shared")
    return project


def main() -> int:
    rows = []  # (measure, value, unit, target or "", ok)

    def record(name, value, unit, target=None, lower_is_better=True):
        ok = None if target is None else (value <= target if lower_is_better else value >= target)
        rows.append((name, value, unit, target, ok))
        print(f"{name}: {value:.3f} {unit}" + ("" if target is None else f" (target {target})"), flush=True)

    py = sys.executable
    floor = wall([py, "-c", "import pandas, scipy.stats"], 11)
    record("import floor: python -c 'import pandas, scipy.stats'", floor, "s")
    subprocess.run([py, "-m", "rederive", "check"], cwd=ROOT, capture_output=True)  # warm the analysis cache
    check = wall([py, "-m", "rederive", "check"], 11)
    record("python -m rederive check (warm cache)", check, "s")
    record("check / import floor", check / floor, "x", 1.2)

    cache._memory.clear()
    (ROOT / cache.CACHE).unlink(missing_ok=True)
    start = time.perf_counter()
    build(ROOT)
    record("ledger build, no analysis cache", time.perf_counter() - start, "s", 5.0)
    times = []
    for _ in range(7):
        start = time.perf_counter()
        build(ROOT)
        times.append(time.perf_counter() - start)
    record("ledger build, warm cache (median of 7)", statistics.median(times), "s", 2.0)
    record("peak memory so far", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "MB", 250.0)

    sizes = [10_000, 100_000] + ([1_000_000] if "--million" in sys.argv else [])
    measured = {}
    for size in sizes:
        measured[size] = statistics.median(synthetic_seconds(size) for _ in range(1 if size > 100_000 else 3))
        record(f"synthetic register, {size:,} rows" + (" (median of 3)" if size <= 100_000 else ""),
               measured[size], "s", 5.0 if size == 100_000 else None)
        record(f"  per row at {size:,}", 1e6 * measured[size] / size, "µs")
    record("100k / 10k time (10 = linear)", measured[100_000] / measured[10_000], "x", 13.0)

    if "--no-render" not in sys.argv:
        with tempfile.TemporaryDirectory() as tmp:
            project = scratch_copy(Path(tmp))
            import yaml
            book = yaml.safe_load((project / "_quarto.yml").read_text(encoding="utf-8"))["book"]
            chapters = [*book["chapters"], *book.get("appendices", [])]

            def render(*flags, env=None):
                start = time.perf_counter()
                done = subprocess.run([py, "-m", "rederive", "render", "--fallback", *flags], cwd=project,
                                      capture_output=True, text=True, env={**os.environ, **(env or {})})
                if done.returncode != 0:
                    raise SystemExit(f"render failed:\n{done.stderr[-2000:]}")
                return time.perf_counter() - start, done.stdout
            print(f"load average before the renders: {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
            # Chapter kernels forked from a preloaded process (rederive.render.forkserver), and,
            # in turns with them, started as jupyter_client starts them (REDERIVE_FORK_KERNELS=0).
            forked, started = [], []

            def book():
                return {p: p.read_bytes() for folder in ("_book", "figures") for p in (project / folder).rglob("*") if p.is_file()}
            for _ in range(3):
                forked.append(render("--fresh")[0])
                by_fork = book()
                started.append(render("--fresh", env={"REDERIVE_FORK_KERNELS": "0"})[0])
                by_start = book()
            record("full fallback render, every chapter executed (median of 3)", statistics.median(forked), "s", 30.0)
            record("  the same, kernels started rather than forked (median of 3, in turns)", statistics.median(started), "s")
            record("  forked / started", statistics.median(forked) / statistics.median(started), "x")
            record("  files of the book and figures that differ between the two",
                   len(set(by_fork) ^ set(by_start)) + sum(by_fork[p] != by_start[p] for p in set(by_fork) & set(by_start)), "", 0)
            # the same tree's check, the floor a re-render is compared with (its pre-render step)
            check_here = statistics.median(
                timed([py, "-m", "rederive", "check", "--save", ".rederive/ledger.json"], project) for _ in range(5))
            record("check in the rendered copy (median of 5)", check_here, "s")
            unchanged = statistics.median(render()[0] for _ in range(5))
            record("re-render, nothing changed (median of 5)", unchanged, "s", 2.0)
            record("  re-render, nothing changed / check", unchanged / check_here, "x")
            claims = project / "data" / "shumilov2025" / "claims.csv"
            original = claims.read_text(encoding="utf-8")
            assert "read as median not reached." in original, "the benchmark's note edit no longer applies"
            times, executed, ledger_reused = [], set(), 0
            # Each render follows a note text not seen before: a note edited back to an earlier
            # text would find the ledger chapter's earlier execution in the chapter cache (an edit
            # undone), and measure no execution at all.
            for i in range(6):
                claims.write_text(original.replace("read as median not reached.", f"read as median not reached (edit {i}).", 1),
                                  encoding="utf-8")
                seconds, log = render()
                times.append(seconds)
                executed |= set(re.findall(r"\] executing (\S+):", log))
                ledger_reused += "executing chapters/ledger.qmd" not in log
            claims.write_text(original, encoding="utf-8")
            note_edit = statistics.median(times)
            record("re-render after a note edit in one source (median of 6)", note_edit, "s", 5.0)
            record("  note-edit re-render / check", note_edit / check_here, "x")
            # Only the chapters that show the note may run again: the source's and the ledger's
            # (the ledger page shows every note); the front page reads no note.
            allowed = {"chapters/shumilov-2025.qmd", "chapters/ledger.qmd"}
            record(f"  chapters re-executed by it, of {len(chapters)} ({', '.join(sorted(executed)) or 'none'}); "
                   f"others than {' and '.join(sorted(allowed))}", len(executed - allowed), "", 0)
            record("  note-edit renders that did not execute the ledger chapter (which shows the note)", ledger_reused, "", 0)
            print(f"load average after the renders: {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)

    if "--no-suite" not in sys.argv:
        start = time.perf_counter()
        done = subprocess.run([py, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=ROOT, capture_output=True, text=True)
        record("test suite (pytest, xdist on every core; one run)", time.perf_counter() - start, "s", 120.0)
        if done.returncode != 0:
            print(done.stdout[-3000:])
            return 1

    lines = ["| measure | value | unit | target | met |", "|---|---:|---|---:|---|"]
    for name, value, unit, target, ok in rows:
        lines.append(f"| {name} | {value:.3f} | {unit} | {'' if target is None else target} | "
                     f"{'' if ok is None else 'yes' if ok else 'NO'} |")
    RESULTS.write_text("# make bench\n\nMedians measured in one run on this machine (load average at the end: "
                       f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}).\n\n" + "\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"written to {RESULTS.relative_to(ROOT)}")
    return 1 if any(ok is False for *_, ok in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
