"""The PDF glyph scan (rederive.render.glyphs) that the PDF tests rely on: it pairs each glyph only
with those it can overlap, and must find exactly what comparing every pair of glyphs finds."""
import random

import pytest

from rederive.render import glyphs

pymupdf = pytest.importorskip("pymupdf", reason="PyMuPDF is not installed")


def _every_pair(page, number):
    """The definition, pair by pair in page order: two glyphs overprint when one covers more than
    OVERLAP of the smaller box, unless they are neighbours in one run of text."""
    found, seen = [], set()
    gl = glyphs._glyphs(page)
    for i, a in enumerate(gl):
        for b in gl[i + 1:]:
            w = min(a[2], b[2]) - max(a[0], b[0])
            h = min(a[3], b[3]) - max(a[1], b[1])
            covered = max(w, 0) * max(h, 0)
            if covered <= glyphs.OVERLAP * min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1])):
                continue
            if b[6] - a[6] == 1:
                continue
            pair = tuple(sorted((a[5], b[5])))
            if pair not in seen:
                seen.add(pair)
                found.append(glyphs.Problem(number, "overprint", " | ".join(pair)))
    return found


@pytest.mark.parametrize("seed", range(3))
def test_the_scan_finds_exactly_the_overprints_that_comparing_every_pair_finds(seed):
    # Oracle: _every_pair above, on pages of text runs dropped at random places and sizes, so
    # that runs overlap each other, tuck into each other, or stand alone.
    rng = random.Random(seed)
    doc = pymupdf.open()
    page = doc.new_page()
    for _ in range(24):
        text = "".join(rng.choice("abcdefghij y,.0123") for _ in range(rng.randint(3, 40)))
        page.insert_text((rng.uniform(40, 400), rng.uniform(40, 780)), text, fontsize=rng.choice([8, 10, 12]))
    expected = _every_pair(page, 1)
    assert expected  # the page does overprint
    assert glyphs.page_problems(page, 1) == expected
