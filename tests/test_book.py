"""The Quarto book as Quarto reads it, and the prose rule: result numbers come from code."""
import re
from pathlib import Path

import yaml

from conftest import ROOT

CONFIG = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))
CHAPTERS = CONFIG["book"]["chapters"]

# Numbers that may appear in prose because they are definitions or illustrations, not results.
ALLOWED = {"0.05", "5%", "1.96", "95%", "22.7%", "22.7", "22.65", "22.75", "22.8", "18.0%", "50%"}


def test_the_book_is_a_quarto_book_with_html_and_typst_and_a_prerender_check():
    assert CONFIG["project"]["type"] == "book"
    assert CONFIG["project"]["execute-dir"] == "project"
    assert "rederive check" in CONFIG["project"]["pre-render"]
    assert set(CONFIG["format"]) == {"html", "typst"}
    assert CONFIG["book"]["author"]  # observed: a Typst book without an author fails in Quarto
    assert all((ROOT / c).exists() for c in CHAPTERS)


def test_every_chapter_asserts_the_ledger_before_it_shows_a_number():
    for chapter in CHAPTERS:
        text = (ROOT / chapter).read_text(encoding="utf-8")
        first_cell = re.search(r"```\{python\}\n(.*?)```", text, re.DOTALL).group(1)
        assert "assert_as_expected(" in first_cell, chapter


def _prose(text: str) -> str:
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)  # code cells
    text = re.sub(r"`\{python\}[^`]*`", "", text)  # inline expressions
    text = re.sub(r"\{#[^}]*\}", "", text)  # labels
    return text


def test_result_numbers_in_prose_come_from_inline_code():
    offenders = []
    for chapter in CHAPTERS:
        prose = _prose((ROOT / chapter).read_text(encoding="utf-8"))
        for number in re.findall(r"(?<![\w.-])\d+\.\d+%?|(?<![\w.-])\d+%", prose):
            if number not in ALLOWED:
                offenders.append(f"{chapter}: {number}")
    assert not offenders, f"typed result numbers (write them as inline expressions): {offenders}"
