"""The interactive tables' script (itables' offline DataTables bundle): where the book publishes
it, and its copy there. Apart from report.py, and finding the bundle without importing itables
(which imports pandas), so that `check --exports`, which writes the ledger exports during every
render that changed data, imports neither (0.4 s)."""
from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

# Where the script is published, relative to the book's root: one file the pages share, rather
# than 0.7 MB inlined into each.
TABLE_LIBRARY = "site_libs/itables/dt_bundle.js"


def bundle() -> Path:
    """itables' offline bundle, the file itables.options.dt_bundle names (a test holds them equal)."""
    return Path(importlib.util.find_spec("itables").submodule_search_locations[0]) / "html" / "dt_bundle.js"


def publish_table_library(out: Path) -> None:
    """Copy the bundle (its .js and .css) to TABLE_LIBRARY in the output folder."""
    source = bundle()
    target = out / TABLE_LIBRARY
    target.parent.mkdir(parents=True, exist_ok=True)
    for path in (source, source.with_suffix(".css")):
        shutil.copyfile(path, target.with_name(target.stem + path.suffix))
