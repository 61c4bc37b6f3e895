"""environment.yml (conda, with Quarto) and requirements.txt (pip, CI) pin the same packages."""
import re

import yaml

from conftest import ROOT


def _pip_pins():
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def _conda_pins():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pins, quarto = {}, None
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for item in dep.get("pip", []):
                if "==" in item:
                    name, version = item.split("==")
                    pins[name.lower()] = version
            continue
        name, _, version = re.match(r"([\w.-]+)\s*(=|>=)?\s*(.*)", dep).groups()
        if name == "quarto":
            quarto = version
        elif name not in ("python", "pip"):
            pins[name.lower()] = version
    return pins, quarto


def test_environment_and_requirements_pin_the_same_packages_and_versions():
    conda, _ = _conda_pins()
    assert conda == _pip_pins()


def test_environment_brings_a_quarto_that_renders_typst_books():
    _, quarto = _conda_pins()
    major, minor = (int(x) for x in quarto.split(".")[:2])
    assert (major, minor) >= (1, 9)
