"""Writes hangul-by-use.txt: the Hangul syllables the portal's documents use, most used first.

The document font (sharing/documents/rendering.py) numbers its glyphs in this order. WeasyPrint
keeps every glyph id up to the highest one a document uses when it subsets the font, so a
document written in the portal's vocabulary (its Korean catalogue, the petition and agency
names, the district and road names, the common family and given names) subsets a few hundred
glyphs instead of the whole font. Syllables outside the list still print: they only come later
in the font. Rerun after the catalogue or the registers change a lot:

    .venv/bin/python sharing/documents/pdf/hangul_by_use.py > sharing/documents/pdf/hangul-by-use.txt
"""

from __future__ import annotations

import collections
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CORPUS = (
    "locale/ko/LC_MESSAGES/django.po",
    "sharing/demo_catalogue.py",
    "sharing/sandbox/registers.py",
    "sharing/sandbox/geography.py",
)
PER_LINE = 50


def _syllables(text: str):
    return (char for char in text if 0xAC00 <= ord(char) <= 0xD7A3)


def main() -> None:
    counts: collections.Counter[str] = collections.Counter()
    for name in CORPUS:
        text = (ROOT / name).read_text(encoding="utf-8")
        if name.endswith(".po"):  # the Korean side only
            text = "\n".join(line for line in text.splitlines() if line.startswith(("msgstr", '"')))
        counts.update(_syllables(text))
    ranked = sorted(counts, key=lambda char: (-counts[char], ord(char)))
    out = sys.stdout
    out.write("# Hangul syllables by use in the portal's texts, most used first (see hangul_by_use.py).\n")
    for start in range(0, len(ranked), PER_LINE):
        out.write("".join(ranked[start : start + PER_LINE]) + "\n")


if __name__ == "__main__":
    main()
