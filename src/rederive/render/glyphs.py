"""Is every glyph of a PDF readable? A scan of the text layer, glyph by glyph (PyMuPDF), for the
two ways a table goes wrong in print: glyphs printed over other glyphs (a cell running into its
neighbour, rows drawn on top of each other) and glyphs outside the text area (a column past the
margin). Used by the tests on the fallback's PDF, and by hand on any PDF:

    python -m rederive.render.glyphs _book/rederive-car-t-failure.pdf

PyMuPDF gives each glyph's box; what it has no notion of is "overprinted", which is this file:
two glyphs overprint when their boxes overlap by more than a quarter of the smaller box, unless
they are neighbours in one run of text (kerning: "y," legitimately tuck into each other).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass

OVERLAP = 0.25  # share of the smaller glyph's box another glyph may cover before it is overprinted


@dataclass(frozen=True)
class Problem:
    page: int  # 1-based
    kind: str  # "overprint" | "margin"
    text: str  # the line (or lines) involved, for a reader of the test's message


def _glyphs(page):
    """(x0, y0, x1, y1, char, line text, position in the page's text) for every visible glyph."""
    out = []
    position = 0
    for block in page.get_text("rawdict")["blocks"]:
        for line in block.get("lines", []):
            chars = [c for span in line["spans"] for c in span["chars"]]
            text = "".join(c["c"] for c in chars)
            for c in chars:
                position += 1
                x0, y0, x1, y1 = c["bbox"]
                if c["c"].strip() and x1 - x0 > 0.1 and y1 - y0 > 0.1:
                    out.append((x0, y0, x1, y1, c["c"], text, position))
            position += 1  # the next line's first glyph is no neighbour of this one's last
    return out


def page_problems(page, number: int, margin: float | None = None) -> list[Problem]:
    import numpy as np
    glyphs = _glyphs(page)
    problems = []
    if margin is not None:
        left, right = margin, page.rect.width - margin
        outside = sorted({g[5] for g in glyphs if g[0] < left - 1 or g[2] > right + 1})
        problems += [Problem(number, "margin", t) for t in outside]
    if len(glyphs) < 2:
        return problems
    box = np.array([g[:4] for g in glyphs])
    area = (box[:, 2] - box[:, 0]) * (box[:, 3] - box[:, 1])
    first, second = _overlapping_pairs(box)
    w = np.minimum(box[first, 2], box[second, 2]) - np.maximum(box[first, 0], box[second, 0])
    h = np.minimum(box[first, 3], box[second, 3]) - np.maximum(box[first, 1], box[second, 1])
    covered = np.clip(w, 0, None) * np.clip(h, 0, None)
    hit = covered > OVERLAP * np.minimum(area[first], area[second])
    seen = set()
    for i, j in sorted(zip(first[hit].tolist(), second[hit].tolist())):  # in page order, as the pairs were first met
        if glyphs[j][6] - glyphs[i][6] == 1:
            continue
        pair = tuple(sorted((glyphs[i][5], glyphs[j][5])))
        if pair not in seen:
            seen.add(pair)
            problems.append(Problem(number, "overprint", " | ".join(pair)))
    return problems


def _overlapping_pairs(box):
    """(i, j), i < j, of every two boxes whose horizontal extents overlap, as index arrays: a sweep
    over the boxes sorted by their left edge pairs each only with those starting before it ends
    (comparing every pair of a page's thousands of glyphs took seconds a page)."""
    import numpy as np
    order = np.argsort(box[:, 0], kind="stable")
    left = box[order, 0]
    ends = np.searchsorted(left, box[order, 2], side="left")  # sorted boxes k < ends[n] start before n ends
    starts = np.arange(len(box)) + 1
    counts = np.clip(ends - starts, 0, None)
    n = np.repeat(np.arange(len(box)), counts)
    k = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(starts, counts)
    a, b = order[n], order[k]
    return np.minimum(a, b), np.maximum(a, b)


def scan(path, margin: float | None = None) -> list[Problem]:
    """Every overprint and (with `margin`, in points from the page's left and right edges)
    every glyph outside the text area, page by page."""
    import pymupdf
    with pymupdf.open(path) as doc:
        return [p for i, page in enumerate(doc, 1) for p in page_problems(page, i, margin)]


def main(argv: list[str]) -> int:
    import pymupdf
    path = argv[0]
    margin = float(argv[1]) if len(argv) > 1 else None
    problems = scan(path, margin)
    with pymupdf.open(path) as doc:
        pages = len(doc)
    for p in problems:
        print(f"p. {p.page} {p.kind}: {p.text[:160]}")
    bad = sorted({p.page for p in problems})
    print(f"{len(bad)} of {pages} pages with overprinted or out-of-margin text: {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
