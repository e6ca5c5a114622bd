"""Korean is the product's first language: its catalogue is complete and compiled."""

from pathlib import Path

import polib
import pytest
from django.test import Client
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
KO_PO = ROOT / "locale" / "ko" / "LC_MESSAGES" / "django.po"
KO_MO = ROOT / "locale" / "ko" / "LC_MESSAGES" / "django.mo"


def test_every_string_has_a_korean_translation():
    po = polib.pofile(str(KO_PO))
    missing = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert not missing, f"{len(missing)} strings have no Korean translation, e.g. {missing[:10]}"
    assert not fuzzy, f"{len(fuzzy)} Korean translations are fuzzy, e.g. {fuzzy[:10]}"


def test_the_compiled_catalogue_matches_the_sources():
    po = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0) for e in polib.pofile(str(KO_PO)) if not e.obsolete}
    mo = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0) for e in polib.mofile(str(KO_MO))}
    stale = sorted(str(key[1]) for key in po if po[key] and mo.get(key) != po[key])
    assert not stale, f"django.mo is out of date (run `make messages`): {stale[:10]}"


def test_placeholders_survive_translation():
    for entry in polib.pofile(str(KO_PO)):
        for placeholder in ("%(name)s", "%(number)s", "%(limit)s", "%(minutes)s", "%(user)s", "%(counter)s"):
            if placeholder in entry.msgid and entry.msgstr:
                assert placeholder in entry.msgstr, entry.msgid


@pytest.mark.django_db
def test_korean_is_the_default_and_english_is_complete_for_the_home_page():
    client = Client()
    korean = client.get("/").content.decode()
    assert 'lang="ko"' in korean and "증명서를 모으지 않고" in korean
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/").content.decode()
    assert 'lang="en"' in english and "File a petition without collecting certificates" in english
    # No Hangul is left on the English page except the names of the languages themselves.
    leftover = {ch for ch in english.replace("한국어", "") if "\uac00" <= ch <= "\ud7a3"}
    assert not leftover, "".join(sorted(leftover))


def test_the_korean_catalogue_is_active():
    with translation.override("ko"):
        assert translation.gettext("Log in") == "로그인"
