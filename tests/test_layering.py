"""The engine's layering (issue 21): each part of src/rederive imports only the parts below it,
no two modules import each other even indirectly, and the folders stay small enough to read.

Oracle: ALLOWED, written once here: for each subpackage (or module standing directly in
src/rederive/), the parts it may import besides itself. Imports are read with `ast` from every
file, those inside functions included (a late import is still an arrow between layers); the
module graph's cycles are found with graphlib (standard library; import-linter, which does this
job, is not in this project's package index).
"""
import ast
import graphlib
from pathlib import Path

import pytest

from conftest import ROOT

ENGINE = ROOT / "src" / "rederive"
MAX_TOP_LEVEL = 10  # modules directly in src/rederive/
MAX_PER_PACKAGE = 15  # modules in one subpackage (its __init__ not counted)

# Bottom first. A unit may import itself and the units listed; "statements", "report", "cli",
# "__main__" and "__init__" are modules standing directly in src/rederive/.
ALLOWED = {
    'core': [],
    'statements': ['core'],
    'checks': ['core'],
    'stats': ['core', 'checks'],
    'data': ['core', 'checks'],
    'sources': ['core', 'checks', 'stats', 'data'],
    'analyses': ['core', 'checks', 'stats', 'data', 'sources'],
    'ledger': ['core', 'statements', 'checks', 'stats', 'data', 'sources', 'analyses'],
    'book': ['core', 'statements', 'checks', 'stats', 'data', 'sources', 'analyses', 'ledger'],
    'report': ['core', 'statements', 'checks', 'stats', 'data', 'sources', 'analyses', 'ledger', 'book'],
    'render': ['core', 'statements', 'checks', 'stats', 'data', 'sources', 'analyses', 'ledger', 'book',
               'report'],
    'cli': ['core', 'statements', 'checks', 'stats', 'data', 'sources', 'analyses', 'ledger', 'book',
            'report', 'render'],
    '__main__': ['cli'],
    '__init__': [],
}


def _name(path: Path) -> str:
    parts = path.relative_to(ENGINE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def unit(module: str) -> str:
    """rederive.data.register -> "data"; rederive.cli -> "cli"; rederive -> "__init__"."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports(path: Path, module: str) -> set[str]:
    """The rederive modules one file imports (a package's name where it imports the package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "rederive")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(base + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base.split(".")[0] != "rederive":
                continue
            for a in node.names:  # `from pkg import module` imports that module
                sub = f"{base}.{a.name}"
                is_module = (ENGINE.parent / Path(*sub.split("."))).with_suffix(".py").is_file() or \
                    (ENGINE.parent / Path(*sub.split(".")) / "__init__.py").is_file()
                found.add(sub if is_module else base)
    return found


def graph() -> dict[str, set[str]]:
    return {_name(p): imports(p, _name(p)) for p in sorted(ENGINE.rglob("*.py")) if "__pycache__" not in p.parts}


def violations(modules: dict[str, set[str]], allowed: dict) -> list[str]:
    out = []
    for module, targets in sorted(modules.items()):
        if unit(module) not in allowed:
            out.append(f"{module}: in no layer of ALLOWED (place it, or add its subpackage)")
            continue
        for target in sorted(targets):
            if unit(target) != unit(module) and unit(target) not in allowed[unit(module)]:
                out.append(f"{module} imports {target}: {unit(module)} may import only {allowed[unit(module)]}")
    return out


def cycle(edges: dict[str, set[str]]) -> list[str] | None:
    try:
        tuple(graphlib.TopologicalSorter(edges).static_order())
    except graphlib.CycleError as exc:
        return exc.args[1]
    return None


def test_every_module_imports_only_its_own_layer_and_the_layers_below():
    assert not violations(graph(), ALLOWED)


def test_no_import_cycle_between_modules():
    modules = graph()
    # a package's __init__ imported by name counts as the package; its own submodules are not a cycle
    assert cycle({m: {t for t in ts if t != m} for m, ts in modules.items()}) is None


def test_no_cycle_between_layers_and_each_layer_may_import_only_those_below_it():
    assert cycle({u: set(below) for u, below in ALLOWED.items()}) is None
    order = list(ALLOWED)
    for u, below in ALLOWED.items():
        assert all(order.index(b) < order.index(u) for b in below), f"{u} may import a layer above it: {below}"


def test_the_folders_stay_small_enough_to_read():
    top = sorted(p.name for p in ENGINE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL, top
    for package in sorted(p.parent for p in ENGINE.glob("*/__init__.py")):
        inside = sorted(p.name for p in package.glob("*.py") if p.name != "__init__.py")
        assert len(inside) <= MAX_PER_PACKAGE, f"{package.name}: {inside}"


def test_every_subpackage_says_what_lives_there_and_what_it_may_import():
    for package in sorted(p.parent for p in ENGINE.glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text(encoding="utf-8")))
        assert doc, f"{package.name}/__init__.py has no docstring"


@pytest.mark.parametrize("module, target, caught", [
    ("rederive.core.types", "rederive.data.register", True),  # the bottom reaching up
    ("rederive.checks.rounding", "rederive.ledger.ledger", True),
    ("rederive.data.register", "rederive.core.types", False),  # down is allowed
    ("rederive.newpackage.x", "rederive.core.types", True),  # a part in no layer
])
def test_the_layering_check_itself_catches_an_upward_import(module, target, caught):
    # The test above must be able to fail: an arrow pointing up is reported, one pointing down is not.
    assert bool(violations({module: {target}}, ALLOWED)) == caught


def test_the_cycle_check_itself_catches_a_cycle():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) is not None
    assert cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
