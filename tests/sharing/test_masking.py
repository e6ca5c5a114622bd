"""Masking of resident registration numbers, written out by hand: a well-formed number keeps
its birth date and sex digit; anything else (malformed, short, foreign spellings) shows at
most its first half, never more than seven characters, and is never shown whole."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sharing import crypto


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        # Well formed, in every spelling the subject normaliser accepts.
        ("900101-1234567", "900101-1******"),
        ("9001011234567", "900101-1******"),
        (" 900101 - 1234567 ", "900101-1******"),
        ("900101\t1234567", "900101-1******"),
        # Foreign residents' numbers have the same shape (sex digit 5 to 8).
        ("900101-5234567", "900101-5******"),
        # Malformed: one digit too many or too few, letters, another separator.
        ("900101-12345678", "900101-********"),
        ("900101-123456", "900101*******"),
        ("90010A-1234567", "90010A-*******"),
        ("900101/1234567", "900101/*******"),
        ("900101.1234567", "900101.*******"),
        # Short: at most half shown.
        ("12345", "12***"),
        ("1234", "12**"),
        ("12", "1*"),
        ("1", "*"),
        ("-", "*"),
        # Long: never more than seven characters shown.
        ("1234567890123456789012", "1234567" + "*" * 15),
        # Other alphabets and full-width digits: the same rule.
        ("９００１０１－１２３４５６７", "９００１０１－" + "*" * 7),
        ("홍길동", "홍**"),
        # Empty stays empty.
        ("", ""),
    ],
)
def test_mask_rrn(value, masked):
    assert crypto.mask_rrn(value) == masked


def test_a_missing_value_stays_missing():
    assert crypto.mask_rrn(None) is None


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        (None, None),  # missing stays missing, not a row of stars
        ("", ""),
        ("김민원", "김**"),
        ("900101-1234567", "900101-1******"),
        (9001011234567, "*****"),  # a number is hidden whole
        (0, "*****"),
        (False, "*****"),
        (["900101-1234567"], "*****"),
        ({"rrn": "900101-1234567"}, "*****"),
    ],
)
def test_mask_value(value, masked):
    """Any fetched value on screen: text as mask_rrn masks it, everything else hidden whole."""
    assert crypto.mask_value(value) == masked


@given(st.text(min_size=1, max_size=40))
def test_no_identifier_is_ever_shown_whole(value):
    masked = crypto.mask_rrn(value)
    digits = crypto.normalise_subject(value)
    if len(digits) == 13 and digits.isdigit():
        assert masked == f"{digits[:6]}-{digits[6]}******"
        return
    # A start of at most half the value, never more than seven characters, then one star for
    # each character hidden, and at least one hidden.
    most = min(7, len(value) // 2)
    assert any(masked == value[:shown] + "*" * (len(value) - shown) for shown in range(most + 1)), masked
    assert len(masked) == len(value)
    assert masked.endswith("*")


@given(st.from_regex(r"\A[0-9]{6}-?[0-9]{7}\Z"))
def test_the_last_six_digits_of_a_number_are_never_shown(value):
    digits = value.replace("-", "")
    masked = crypto.mask_rrn(value)
    assert masked.endswith("******")
    assert digits[7:] not in masked.replace("-", "")[7:]
    assert masked[:8] == f"{digits[:6]}-{digits[6]}"
