"""`rederive new-source NAME` scaffolds a sixth source that checks and whose chapter executes."""
import os
import subprocess
import sys

import yaml

from conftest import copy_project, rederive_in_process, run_rederive


def test_a_scaffolded_source_checks_and_its_chapter_executes_showing_its_register(tmp_path):
    project = copy_project(tmp_path / "project", with_code=True)  # the new source's modules go to its src/
    # The copy's own modules (the scaffold writes src/rederive/sources/smith2026.py) come first.
    env = {"PYTHONPATH": str(project / "src"), "REDERIVE_SEEDS": str(tmp_path / "no-seeds")}
    done = run_rederive(project, "new-source", "smith2026", "--seed", "999_smith.txt", "--short", "Smith 2026",
                        "--title", "A test source", env=env)
    assert done.returncode == 0, done.stderr
    book = yaml.safe_load((project / "_quarto.yml").read_text(encoding="utf-8"))["book"]["chapters"]
    assert book.index("chapters/smith2026.qmd") == book.index("chapters/synthesis.qmd") - 1
    assert "@misc{smith2026," in (project / "references.bib").read_text(encoding="utf-8")
    # Run twice, it refuses and writes nothing.
    chapter = (project / "chapters" / "smith2026.qmd").read_bytes()
    # (refused before anything is imported from the copy: in this process)
    again = rederive_in_process(project, "new-source", "smith2026", "--seed", "x.txt", env=env)
    assert again.returncode == 2 and "already exists" in again.stderr
    assert (project / "chapters" / "smith2026.qmd").read_bytes() == chapter
    assert rederive_in_process(project, "new-source", "Smith-2026", "--seed", "x.txt", env=env).returncode == 2

    # A maintainer's first row; check passes and saves the ledger the chapter loads.
    with (project / "data" / "smith2026" / "claims.csv").open("a", encoding="utf-8") as fh:
        fh.write("smith_n,abstract,We treated 40 patients,40,,input,none,input,\n")
    done = run_rederive(project, "check", "--save", ".rederive/ledger.pickle", env=env)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    # The chapter executes in a real kernel (the fallback's execution step); oracle: the one row
    # added above is the one number it says it takes from the source, none re-derived.
    code = ("from pathlib import Path\nfrom rederive.render.execute import execute_chapter\n"
            "c = execute_chapter(Path('.'), 'chapters/smith2026.qmd')\n"
            "print('\\n'.join(b.text for b in c.blocks if b.kind == 'markdown'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True, timeout=600,
                         env={**os.environ, **env})
    assert out.returncode == 0, out.stderr[-2000:]
    text = " ".join(out.stdout.split())
    assert "This report takes 1 numbers from it, of which 0 are re-derived" in text
    for section in ("What reproduces", "What did not reproduce", "What a clinician can take from it"):
        assert f"## {section}" in out.stdout
