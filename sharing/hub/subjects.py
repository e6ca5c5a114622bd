"""What an official may type as the subject of a look-up, per kind, and its one spelling.

The spellings are those of the standard connection (sharing/PROTOCOL.md): an RRN with its
hyphen, a 19-digit PNU, a building management number, a plate like 12가3456, a business
registration number like 123-45-67890. Anything else is refused with a message saying what
was expected, before anything is stored or sent.
"""

from __future__ import annotations

import datetime
import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sharing.models import SubjectKind

from .errors import UseError


class InvalidSubject(UseError):
    code = "invalid_subject"


_PATTERNS = {
    SubjectKind.PERSON: re.compile(r"(\d{6})-?(\d{7})"),
    SubjectKind.PARCEL: re.compile(r"\d{19}"),
    SubjectKind.BUILDING: re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{0,39}"),
    SubjectKind.VEHICLE: re.compile(r"\d{2,3}[가-힣]\d{4}"),
    SubjectKind.BUSINESS: re.compile(r"(\d{3})-?(\d{2})-?(\d{5})"),
}

# What the form's help text and the error say is expected, per kind.
EXPECTED = {
    SubjectKind.PERSON: gettext_lazy("13 digits, e.g. 900101-1234567"),
    SubjectKind.PARCEL: gettext_lazy("the 19-digit parcel number (PNU)"),
    SubjectKind.BUILDING: gettext_lazy("the building management number, e.g. 11110-100000123"),
    SubjectKind.VEHICLE: gettext_lazy("the registration plate, e.g. 12가3456"),
    SubjectKind.BUSINESS: gettext_lazy("10 digits, e.g. 123-45-67890"),
}


def _valid_birth_date(first_six: str, sex_digit: str) -> bool:
    century = {"9": 1800, "0": 1800, "1": 1900, "2": 1900, "5": 1900, "6": 1900}.get(sex_digit, 2000)
    try:
        datetime.date(century + int(first_six[:2]), int(first_six[2:4]), int(first_six[4:6]))
    except ValueError:
        return False
    return True


def subject_clean(kind: str, raw: str) -> str:
    """The subject in its one spelling; raises InvalidSubject (translated message) otherwise."""
    text = "".join((raw or "").split())
    pattern = _PATTERNS.get(SubjectKind(kind)) if kind in SubjectKind.values else None
    if pattern is None:
        raise InvalidSubject(_("This kind of subject cannot be looked up."))
    match = pattern.fullmatch(text)
    if match is None or (kind == SubjectKind.PERSON and not _valid_birth_date(match[1], match[2][0])):
        raise InvalidSubject(
            _("This is not a valid %(kind)s: enter %(expected)s.")
            % {"kind": SubjectKind(kind).label, "expected": EXPECTED[SubjectKind(kind)]}
        )
    if kind == SubjectKind.PERSON:
        return f"{match[1]}-{match[2]}"
    if kind == SubjectKind.BUSINESS:
        return f"{match[1]}-{match[2]}-{match[3]}"
    return text
