"""The renderer of record: `quarto render` into a staging folder, published only on success
(a plain failing `quarto render` deletes _book/; see ../shared/QUARTO-NOTES.md)."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from .errors import RenderError
from .publish import OUTPUT_DIR, discard, figure_env, publish, snapshot


def render(root: Path, quarto: str) -> None:
    version = subprocess.run([quarto, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"Renderer: Quarto {version}", flush=True)
    staging = root / f"{OUTPUT_DIR}.tmp-quarto"
    discard(staging)
    started = snapshot(root)
    env = dict(os.environ, **figure_env(staging))
    try:
        done = subprocess.run([quarto, "render", "--output-dir", staging.name], cwd=root, env=env)
        if done.returncode != 0:
            raise RenderError(f"quarto render exited {done.returncode}")
    except BaseException:  # a failure, or SIGINT/SIGTERM (subprocess.run stops quarto first)
        discard(staging)
        raise
    try:
        publish(staging, root, started)
    except RenderError:
        discard(staging)
        raise
