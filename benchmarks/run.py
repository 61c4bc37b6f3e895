"""`make bench`: speed and memory targets, measured here rather than in timed tests.

Targets (for the 2-core machines this project runs on):
  - building the ledger (load, validate, derive, compare every register and every pinned
    result) with no analysis cache: < 5 s; with the cache warm: < 2 s; < 250 MB peak
  - the fallback render of the whole book: < 180 s
Exits 1 when a target is missed. `--no-render` skips the render.
"""
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from rederive import cache  # noqa: E402
from rederive.ledger import build  # noqa: E402

TARGETS = {"ledger_cold_seconds": 5.0, "ledger_seconds": 2.0, "ledger_peak_mb": 250.0, "render_seconds": 180.0}


def main() -> int:
    results = {}
    cache._memory.clear()
    (ROOT / cache.CACHE).unlink(missing_ok=True)
    start = time.perf_counter()
    build(ROOT)
    results["ledger_cold_seconds"] = time.perf_counter() - start
    print(f"ledger, no analysis cache: {results['ledger_cold_seconds']:.2f} s")
    runs = 10
    start = time.perf_counter()
    for _ in range(runs):
        ledger = build(ROOT)
    results["ledger_seconds"] = (time.perf_counter() - start) / runs
    results["ledger_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"ledger: {len(ledger.rows)} rows, {results['ledger_seconds']:.3f} s per build "
          f"(mean of {runs}), peak RSS {results['ledger_peak_mb']:.0f} MB")
    if "--no-render" not in sys.argv:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "rederive", "render", "--fallback"], cwd=ROOT,
                              capture_output=True, text=True)
        results["render_seconds"] = time.perf_counter() - start
        print(f"fallback render: {results['render_seconds']:.1f} s (exit {done.returncode})")
        if done.returncode != 0:
            print(done.stderr[-2000:])
            return 1
    missed = [k for k, v in results.items() if v > TARGETS[k]]
    for k in missed:
        print(f"MISSED {k}: {results[k]:.2f} > {TARGETS[k]}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
