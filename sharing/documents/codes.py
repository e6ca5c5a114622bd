"""Verification codes (문서확인번호): random, unguessable, easy to read aloud and type.

A code is 20 symbols of Crockford's base-32 alphabet (100 bits of randomness), stored
without separators and printed in five groups of four (``7KQ2-M9XD-...``). Typing is
forgiving: case, spaces and hyphens are ignored, and the letters that look like digits
(O, I, L) are read as the digits.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 20
GROUP = 4
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def generate() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize(raw: str) -> str | None:
    """The stored form of a typed code, or None when it cannot be a code at all."""
    cleaned = "".join(ch for ch in (raw or "").upper() if ch.isalnum()).translate(_LOOKALIKES)
    if len(cleaned) != LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def display(code: str) -> str:
    """The printed form: groups of four joined by hyphens."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))
