"""A fresh machine passes: every program the tests and the engine run by name is either installed
by the Makefile (where root and apt exist), guarded by a skip that says why, or one the project
cannot run without at all (Python, and git, which made the clone). A new call to a program the
Makefile does not install and no test guards fails here, naming the file."""
import ast
import re
from pathlib import Path

from conftest import ROOT

# How each program reaches a fresh machine. Oracle: the Makefile and the calling files are read
# below, so an entry here that is not true fails too.
PROVIDED = {
    "python": "prerequisite: the interpreter running the tests (sys.executable)",
    "git": "prerequisite: a clone needs it (rederive.core.paths and rederive.book.citation read the repository)",
    "quarto": "guarded: the engine renders through the fallback when shutil.which('quarto') finds none",
    "chromium-headless-shell": "makefile+skip: `make test` installs Debian's chromium-headless-shell as root with apt; else the browser test skips",
}
SUBPROCESS = {"run", "Popen", "call", "check_call", "check_output"}


def _python_files():
    for folder in ("src", "tests", "benchmarks"):
        yield from sorted((ROOT / folder).rglob("*.py"))


def _called_programs(path: Path) -> set[str]:
    """Programs a file runs: the first word of a subprocess argument list (a literal, or a
    variable set from shutil.which), anything shutil.which looks up, and /usr/bin paths."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    which_vars, found = {}, set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            f = node.value.func
            if isinstance(f, ast.Attribute) and f.attr == "which" and node.value.args:
                arg = node.value.args[0]
                if isinstance(arg, ast.Constant):
                    for t in node.targets:
                        if isinstance(t, ast.Name):
                            which_vars[t.id] = arg.value
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(r"/usr/bin/[\w.+-]+", node.value):
            found.add(node.value.rsplit("/", 1)[1])
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr == "which" and node.args and isinstance(node.args[0], ast.Constant):
            found.add(node.args[0].value)
        if node.func.attr in SUBPROCESS and isinstance(node.func.value, ast.Name) and node.func.value.id == "subprocess":
            argv = node.args[0] if node.args else None
            if isinstance(argv, ast.List) and argv.elts:
                first = argv.elts[0]
                if isinstance(first, ast.Constant):
                    found.add(Path(first.value).name)
                elif isinstance(first, ast.Attribute) and first.attr == "executable":
                    found.add("python")
                elif isinstance(first, ast.Name) and first.id in which_vars:
                    found.add(which_vars[first.id])
                elif isinstance(first, ast.Name) and first.id == "py":  # benchmarks: py = sys.executable
                    found.add("python")
                elif isinstance(first, ast.Name):  # a parameter named for its program (render/quarto.py: quarto)
                    found.add(first.id)
                else:
                    found.add(f"<unresolved {ast.unparse(first)}>")
            elif argv is not None and any(k.arg == "shell" for k in node.keywords):
                found.add("<shell: _quarto.yml's pre/post-render commands: tools/rederive runs python, tools/publish-exports cp>")
    return found


def test_every_program_a_test_or_the_engine_runs_is_installed_or_guarded():
    calls = {}
    for path in _python_files():
        for program in _called_programs(path):
            calls.setdefault(program, []).append(str(path.relative_to(ROOT)))
    calls.pop("<shell: _quarto.yml's pre/post-render commands: tools/rederive runs python, tools/publish-exports cp>", None)
    unknown = {p: files for p, files in calls.items() if p not in PROVIDED}
    assert not unknown, f"programs run by name that the Makefile does not install and no skip guards: {unknown}"
    assert {"python", "git", "chromium-headless-shell"} <= set(calls)  # the scan sees the calls this project is known to make


def test_what_the_makefile_installs_and_what_the_tests_skip_is_true():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    installs = {name for listed in re.findall(r"apt-get install[^\n]*?-qq((?:\s+[\w.+-]+)+)", makefile)
                for name in listed.split()}
    test_sources = {p: p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("test_*.py")}
    for program, how in PROVIDED.items():
        if how.startswith("makefile"):
            assert program in installs, f"{program}: the Makefile installs {sorted(installs)}"
            assert re.search(r"^test:.*\bbrowser\b", makefile, re.M), "make test must run the install step"
        if "skip" in how:
            guarded = [p.name for p, text in test_sources.items()
                       if program in text and re.search(rf"pytest\.skip\([^)]*{program}", text, re.I)]
            assert guarded, f"{program}: no test skips with a reason naming it"
        if how.startswith("guarded"):
            engine = (ROOT / "src" / "rederive" / "render" / "__init__.py").read_text(encoding="utf-8")
            assert f'shutil.which("{program}")' in engine
