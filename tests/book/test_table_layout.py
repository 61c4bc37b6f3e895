"""rederive.book.table_layout: every table's column widths come from its content and fit the page."""
import pandas as pd
import pytest

from rederive.book.table_layout import PAGE_EMS, INSET_EMS, TableTooWide, column_widths, ems, pipe_table


def _room(frame):
    return PAGE_EMS - INSET_EMS * len(frame.columns)


def test_no_column_is_narrower_than_its_longest_word_and_long_text_gets_the_room():
    # Oracle: each column's share of the room against the ems of its longest word (the builder's
    # own measure), and the notes column, which holds most text, is the widest.
    frame = pd.DataFrame({"Id": ["nonprogressive_breakdown_sum"], "Printed": ["312"],
                          "Note": ["The three response categories do not add up to the total " * 4]})
    widths = column_widths(frame)
    room = _room(frame)
    assert abs(sum(widths) - 1) < 1e-9
    assert widths[0] * room >= ems("breakdown") and widths[1] * room >= ems("Printed")
    assert widths[2] == max(widths)


def test_a_table_too_wide_for_the_page_is_turned_and_one_that_fits_neither_way_is_refused():
    # Oracle: 14 columns of long outcome names cannot sit side by side (14 x ~7 em > 56 em); turned,
    # one row per outcome, they fit. 40 such columns over 40 rows fit neither way.
    names = ["Not reproducible", "Reproduced", "Uninformative", "Inconsistent", "Discrepancy", "Consistent",
             "Suspectable", "Truncation", "Denominator", "Unexpected", "Numbers", "Checked", "Pinned", "Input"]
    wide = pd.DataFrame([{"Source": s, **{n: "1" for n in names}} for s in ("DESCAR-T 2022", "Shen 2025")])
    assert column_widths(wide) is None
    table = pipe_table(wide)
    assert table.splitlines()[0] == "| Source | DESCAR-T 2022 | Shen 2025 |"
    assert len(table.splitlines()) == 2 + len(names)
    hopeless = pd.DataFrame([{f"Column{i}": "Uninformativeness" for i in range(40)} for _ in range(40)])
    with pytest.raises(TableTooWide):
        pipe_table(hopeless)


def test_the_separator_line_carries_the_widths_and_numbers_align_right():
    # Oracle: pandoc's pipe-table rule: relative widths from the dashes when a line is longer than
    # 72 characters; a colon on the right aligns right.
    table = pipe_table(pd.DataFrame({"Source": ["DESCAR-T 2022"], "Numbers": ["241"]}))
    rule = table.splitlines()[1]
    assert len(rule) > 72 and rule.startswith("|:") and rule.endswith(":|")
