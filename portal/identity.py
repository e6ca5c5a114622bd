"""The identity provider interface ("본인 확인"): what a provider is, whoever implements it.

It lives in the bottom layer (DESIGN.md section 8) so that a provider can be written anywhere:
petitions uses one (petitions.identity, the account's challenge and its limits), the sandbox
supplies one over its resident register (sharing.sandbox.identity), a real one (the
government's OpenID Connect service, say) would be another class with the same methods. A
provider is named by ``settings.PETITIONS_IDENTITY_PROVIDER`` (dotted path).

Nothing here imports the layers above: the account's challenge is petitions' row, which the
caller opens for the provider (``open_challenge``) and hands back to ``confirm``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext as _

# What a provider's ``start`` found, in ``challenge.outcome`` (the values of
# petitions.models.IdentityAttempt.Outcome, which records them).
CODE_SENT = "code_sent"
NO_MATCH = "no_match"
NO_PHONE = "no_phone"


class IdentityError(Exception):
    """Identity verification failed; ``message`` says why in words people understand."""

    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


@dataclass(frozen=True)
class ResidentRecord:
    """What a provider knows about a verified person."""

    name: str
    rrn: str
    phone: str
    address: str
    district_code: str


class IdentityProvider:
    code = ""
    verbose_name: str | Promise = ""

    def start(self, *, user, name: str, rrn: str, open_challenge: Callable[[str, str], Any]):
        """Opens the account's challenge (``open_challenge(provider_code, code_hash)``, which
        stores it for this account and RRN and returns it) and sends its code to the phone on
        record.

        It must do the same, and return a challenge, whether or not the name and RRN match
        (a mismatch's challenge is one no code can verify), and tell the attempt log which it
        was in ``challenge.outcome`` (``CODE_SENT``, ``NO_MATCH`` or ``NO_PHONE``, not stored). A
        provider whose sending takes time should hand the message to a queue, so that a match does
        not answer more slowly than a mismatch.
        """
        raise NotImplementedError

    def confirm(self, *, user, challenge, code: str) -> ResidentRecord:
        """The record of the challenge's person if ``code`` is right; raises IdentityError if not.
        ``challenge.code_hash`` is what ``start`` stored, ``challenge.rrn()`` the RRN entered."""
        raise NotImplementedError

    def demo_records(self) -> list[tuple[str, ResidentRecord]]:
        """(username, record) of the demo accounts to link directly (petitions.demo); a real
        provider has none."""
        return []


def _code_hash(code: str, challenge_salt: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{challenge_salt}:{code}".encode(), hashlib.sha256).hexdigest()


class OneTimeCodeProvider(IdentityProvider):
    """A provider that looks the person up in a register (``lookup(rrn) -> ResidentRecord | None``)
    and sends a one-time code to the phone on record (``send_code(phone, code)``).

    The sandbox's provider (sharing.sandbox.identity.SandboxIdentityProvider) is one, over the
    sandbox resident register.
    """

    def __init__(self, lookup, send_code):
        self._lookup = lookup
        self._send_code = send_code

    def start(self, *, user, name: str, rrn: str, open_challenge: Callable[[str, str], Any]):
        record = self._lookup(rrn)
        if record is None or record.name.replace(" ", "") != name.replace(" ", ""):
            outcome, phone = NO_MATCH, ""
        elif not record.phone:
            outcome, phone = NO_PHONE, ""
        else:
            outcome, phone = CODE_SENT, record.phone
        code = f"{secrets.randbelow(1_000_000):06d}"
        # Without a phone to send it to, the challenge hashes a secret that no six digits equal:
        # the same row and the same work as a match, and no code can ever verify it.
        secret = code if phone else secrets.token_hex(16)
        salt = secrets.token_hex(8)
        challenge = open_challenge(self.code, f"{salt}${_code_hash(secret, salt)}")
        if phone:
            self._send_code(phone, code)
        challenge.outcome = outcome
        return challenge

    def confirm(self, *, user, challenge, code: str) -> ResidentRecord:
        salt, expected = challenge.code_hash.split("$", 1)
        if not hmac.compare_digest(_code_hash(code, salt), expected):
            raise IdentityError(_("The code is not right. Check the message and try again."))
        record = self._lookup(challenge.rrn())
        if record is None:
            raise IdentityError(_("The resident record could not be found any more."))
        return record
