"""Documents' titles in the reader's language.

A document keeps its title in Korean (``title``) and in English (``title_en``); pages show the
reader's language, Korean when there is no English title. Documents issued before titles were
kept per language have ``title_en`` null, and their rows cannot change (issued e-documents are
immutable): a title the portal wrote itself, in either language, is recognised and shown in the
reader's language; any other title (a file's name) is shown as it is.
"""

from __future__ import annotations

from django.utils.translation import get_language

# (English, Korean) of every title the portal gave documents before ``title_en`` existed.
LEGACY_TITLES = [
    ("Receipt %(receipt_no)s", "접수증 %(receipt_no)s"),
    ("Result notice %(receipt_no)s", "처리결과 통지서 %(receipt_no)s"),
    ("Rejection notice %(receipt_no)s", "반려 통지서 %(receipt_no)s"),
    ("Supplement notice %(receipt_no)s", "보완 요구서 %(receipt_no)s"),
    ("Supplement to %(receipt_no)s", "%(receipt_no)s 보완 서류"),
    ("Attachment", "첨부 서류"),
    ("Document", "서류"),
]


def english_active() -> bool:
    return (get_language() or "ko").startswith("en")


def pick(ko: str, en: str | None) -> str:
    return en if english_active() and en else ko


def legacy_titles(title: str, *, case_ref: str) -> tuple[str, str] | None:
    """(Korean, English) of a title the portal wrote before titles were kept per language."""
    params = {"receipt_no": case_ref}
    for english, korean in LEGACY_TITLES:
        if title in (english % params, korean % params):
            return korean % params, english % params
    return None


def legacy_title(title: str, *, case_ref: str) -> str:
    known = legacy_titles(title, case_ref=case_ref)
    return pick(*known) if known else title
