"""Fills Korean translations into locale/ko/LC_MESSAGES/django.po from a Python mapping file.

Usage: python scripts/fill_ko.py MAPPING.py
The mapping file defines KO = {msgid: msgstr} and optionally PLURAL = {msgid: {0: msgstr}}.
Only empty or fuzzy entries whose msgid is in the mapping are filled.
"""

import runpy
import sys

import polib

PO_PATH = "locale/ko/LC_MESSAGES/django.po"


def main(mapping_path: str) -> None:
    mapping = runpy.run_path(mapping_path)
    singular, plural = mapping.get("KO", {}), mapping.get("PLURAL", {})
    po = polib.pofile(PO_PATH)
    filled = 0
    for entry in po:
        untranslated = not entry.translated() or "fuzzy" in entry.flags
        if not untranslated:
            continue
        if entry.msgid_plural and entry.msgid in plural:
            entry.msgstr_plural = plural[entry.msgid]
        elif not entry.msgid_plural and entry.msgid in singular:
            entry.msgstr = singular[entry.msgid]
        else:
            continue
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            entry.previous_msgid = None
        filled += 1
    po.metadata["Language"] = "ko"
    po.save(PO_PATH)
    print(
        f"filled {filled} entries; {len(po.untranslated_entries())} untranslated, {len(po.fuzzy_entries())} fuzzy left"
    )


if __name__ == "__main__":
    main(sys.argv[1])
