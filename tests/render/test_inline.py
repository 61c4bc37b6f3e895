"""The two inline-expression forms Quarto prints as source text (../shared/QUARTO-NOTES.md,
Quarto 1.10.18): refused by the fallback, naming file and line, so it never accepts them."""
from pathlib import Path

import yaml

from conftest import ROOT
from rederive.render.inline import problems


def test_an_inline_expression_right_after_another_is_refused_with_its_line():
    # Oracle: Quarto left "version 0.1.0{python} f", commit ..." as text in "How to cite".
    text = "Intro.\n\nversion `{python} a``{python} b`.\n"
    found = problems(text, "index.qmd")
    assert len(found) == 1 and found[0].startswith("index.qmd:3: inline expression `b` follows another directly")


def test_an_inline_expression_that_can_give_an_empty_string_is_refused_whichever_branch_runs():
    # Oracle: Quarto printed `{python} "" if largest is None else ...` as text in the Shumilov chapter.
    for expression in ('"" if x is None else "y"', "'' if x else y", 'x or ""'):
        found = problems(f"a\nb `{{python}} {expression}` c\n", "ch.qmd")
        assert len(found) == 1 and found[0].startswith("ch.qmd:2:") and "empty string" in found[0], expression


def test_inline_code_in_a_code_block_and_ordinary_strings_are_not_refused():
    text = '```python\n`{python} a``{python} b`\n```\n\n`{python} f"{x}"` and `{python} ", ".join(y)`\n'
    assert problems(text, "ch.qmd") == []


def test_no_chapter_of_the_book_holds_either_form():
    chapters = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))["book"]["chapters"]
    assert [p for c in chapters for p in problems((ROOT / c).read_text(encoding="utf-8"), c)] == []


def test_prose_checked_before_it_runs_leaves_out_each_inline_expression_with_its_word():
    # Oracle: the value is unknown before the chapter runs, so a word it is part of can neither be
    # a cross-reference found early (value "a" would make `@fig-a`) nor hide one (a value ending in a
    # letter right before `@fig-x` makes it no cross-reference); every other word is kept as written.
    from rederive.render.inline import without_inline_expressions
    text = 'See @fig-`{python} n`, x`{python} f("a b")`@fig-y and @fig-z; `{python} 1`: caption'
    kept = without_inline_expressions(text)
    assert "@fig-z" in kept and "@fig-y" not in kept and "@fig- " not in kept and "{python}" not in kept
    assert kept.split() == ["See", "and", "@fig-z;", "caption"]
