"""Identity verification ("본인 확인"): linking an account to a resident record once.

A provider is a class named by ``settings.PETITIONS_IDENTITY_PROVIDER`` (dotted path), written
to the interface of portal.identity. The sandbox provider (sharing.sandbox.identity, with the
sandbox: nothing here reads its tables) checks name and RRN against the sandbox resident
register and sends a one-time code to the phone on record there (printed on the console in
development); a real provider (the government's OpenID Connect service, say) is another class
with the same two methods. The challenge is petitions' row (IdentityChallenge), opened for the
provider here (``_challenge_opener``).

Nobody may learn from these pages whether a name and RRN belong together: a start answers the
same (a challenge, the same page) whether or not they match, the code goes only to the phone on
record, and a wrong code is the same error either way. Attempts are limited per account, client
address and subject, wrong codes per account and subject across restarts, and every attempt is
recorded (petitions.identity_limits).
"""

from __future__ import annotations

import datetime
import functools
import logging

from django.conf import settings
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.identity import IdentityError, IdentityProvider, ResidentRecord

from . import identity_limits as limits
from .errors import IdentityAttemptsExceeded
from .models import IdentityAttempt, IdentityChallenge, ResidentLink

# The provider interface is the bottom layer's (portal.identity); named here too, for callers.
__all__ = [
    "IdentityAttemptsExceeded",
    "IdentityChallenge",
    "IdentityError",
    "IdentityProvider",
    "ResidentRecord",
    "get_provider",
    "identity_verification_confirm",
    "identity_verification_start",
    "resident_link_set",
]

logger = logging.getLogger(__name__)

CODE_LIFETIME = datetime.timedelta(minutes=5)
MAX_ATTEMPTS = 5


Outcome = IdentityAttempt.Outcome
Kind = IdentityAttempt.Kind


# The development default, mounted with the sandbox; production names a real provider.
DEFAULT_PROVIDER = "sharing.sandbox.identity.SandboxIdentityProvider"


@functools.cache
def get_provider() -> IdentityProvider:
    dotted = getattr(settings, "PETITIONS_IDENTITY_PROVIDER", DEFAULT_PROVIDER)
    try:
        return import_string(dotted)()
    except ImportError as exc:
        raise ImportError(f"PETITIONS_IDENTITY_PROVIDER names {dotted!r}, which cannot be imported: {exc}") from exc


@receiver(setting_changed)
def _clear_provider(*, setting, **kwargs):
    if setting == "PETITIONS_IDENTITY_PROVIDER":
        get_provider.cache_clear()


def _challenge_opener(*, user, rrn: str):
    """What a provider calls to open the account's challenge: the RRN kept encrypted, with its
    keyed hash, for CODE_LIFETIME."""
    from sharing.crypto import encrypt_text, subject_hash

    def open_challenge(provider_code: str, code_hash: str) -> IdentityChallenge:
        return IdentityChallenge.objects.create(
            user=user,
            provider=provider_code,
            rrn_encrypted=encrypt_text(rrn),
            subject_hash=subject_hash(rrn),
            code_hash=code_hash,
            expires_at=timezone.now() + CODE_LIFETIME,
        )

    return open_challenge


def _attempts_refused_message() -> str:
    minutes = limits.window_minutes()
    return ngettext(
        "There have been too many attempts to confirm this identity. For your protection, try again "
        "in %(minutes)d minute, or call the help desk at 110.",
        "There have been too many attempts to confirm this identity. For your protection, try again "
        "in up to %(minutes)d minutes, or call the help desk at 110.",
        minutes,
    ) % {"minutes": minutes}


def _code_guesses_refused_message() -> str:
    minutes = limits.window_minutes()
    return ngettext(
        "Too many wrong codes have been entered. For your protection, try again in %(minutes)d "
        "minute, or call the help desk at 110.",
        "Too many wrong codes have been entered. For your protection, try again in up to "
        "%(minutes)d minutes, or call the help desk at 110.",
        minutes,
    ) % {"minutes": minutes}


def identity_verification_start(
    *, user, name: str, rrn: str, ip_address: str | None = None, provider: IdentityProvider | None = None
) -> IdentityChallenge:
    """Starts a confirmation: the same answer whether or not the name and RRN match.

    Raises IdentityAttemptsExceeded past a limit (before anything is looked up). The attempt is
    recorded in the same transaction as its count, whatever its outcome.
    """
    from sharing.crypto import subject_hash

    provider = provider or get_provider()
    address = limits.client_address(ip_address)
    subject = subject_hash(rrn)
    error: IdentityError | None = None
    challenge = None
    with transaction.atomic():
        now = timezone.now()
        limits.lock(now=now, user=user, address=address, subject=subject)
        if limits.starts_refused(now=now, user=user, address=address, subject=subject):
            outcome, error = Outcome.REFUSED, IdentityAttemptsExceeded(_attempts_refused_message())
        else:
            IdentityChallenge.objects.filter(user=user).delete()
            try:
                challenge = provider.start(
                    user=user, name=name, rrn=rrn, open_challenge=_challenge_opener(user=user, rrn=rrn)
                )
            except IdentityError as exc:
                outcome, error = Outcome.UNAVAILABLE, exc
            else:
                outcome = Outcome(getattr(challenge, "outcome", Outcome.CODE_SENT))
                if not challenge.subject_hash:
                    challenge.subject_hash = subject
                    challenge.save(update_fields=["subject_hash"])
        limits.record(kind=Kind.START, outcome=outcome, user=user, address=address, subject=subject, now=now)
    if error is not None:
        raise error
    assert challenge is not None  # noqa: S101 (no error: the provider opened one)
    return challenge


def identity_verification_confirm(
    *, user, code: str, ip_address: str | None = None, provider: IdentityProvider | None = None
) -> ResidentLink:
    """Checks the code of the account's challenge and links the account to the resident.

    A wrong code is the same error whether or not the start matched. Wrong codes are counted per
    account and per subject across restarts: past the limit, IdentityAttemptsExceeded (429).
    """
    from sharing.crypto import encrypt_text, mask_rrn, subject_hash

    provider = provider or get_provider()
    address = limits.client_address(ip_address)
    error: IdentityError | None = None
    link: ResidentLink | None = None
    with transaction.atomic():
        now = timezone.now()
        # The account's lock first, as a start takes it, then the challenge, then its subject's.
        limits.lock(now=now, user=user)
        challenge = IdentityChallenge.objects.select_for_update().filter(user=user).first()
        subject = challenge.subject_hash if challenge is not None else ""
        limits.lock(now=now, subject=subject)
        if challenge is None or challenge.expires_at < now:
            outcome, error = Outcome.EXPIRED, IdentityError(_("The code has expired. Ask for a new one."))
        elif limits.code_guesses_refused(now=now, user=user, subject=subject):
            outcome, error = Outcome.REFUSED, IdentityAttemptsExceeded(_code_guesses_refused_message())
        elif challenge.attempts >= MAX_ATTEMPTS:
            outcome, error = Outcome.REFUSED, IdentityError(_("Too many wrong codes. Ask for a new one."))
        else:
            try:
                record = provider.confirm(user=user, challenge=challenge, code=code)
            except IdentityError as exc:
                challenge.attempts += 1
                challenge.save(update_fields=["attempts"])
                outcome, error = Outcome.WRONG_CODE, exc
            else:
                rrn_hash = subject_hash(record.rrn)
                if ResidentLink.objects.filter(rrn_hash=rrn_hash).exclude(user=user).exists():
                    outcome, error = (
                        Outcome.ALREADY_LINKED,
                        IdentityError(
                            _("This resident is already linked to another account. Call the help desk at 110.")
                        ),
                    )
                else:
                    link, _created = ResidentLink.objects.update_or_create(
                        user=user,
                        defaults={
                            "provider": provider.code,
                            "name": record.name,
                            "rrn_encrypted": encrypt_text(record.rrn),
                            "rrn_hash": rrn_hash,
                            "rrn_masked": mask_rrn(record.rrn),
                            "phone": record.phone,
                            "address": record.address,
                            "district_code": record.district_code,
                            "verified_at": now,
                        },
                    )
                    challenge.delete()
                    outcome = Outcome.VERIFIED
        limits.record(kind=Kind.CODE, outcome=outcome, user=user, address=address, subject=subject, now=now)
    if error is not None:
        raise error
    assert link is not None  # noqa: S101 (no error: the account was linked)
    logger.info("identity verified user_id=%s provider=%s", user.pk, provider.code)
    return link


@transaction.atomic
def resident_link_set(*, user, record: ResidentRecord, provider_code: str = "sandbox") -> ResidentLink:
    """Links an account directly (demo data); the same fields as a verification."""
    from sharing.crypto import encrypt_text, mask_rrn, subject_hash

    link, _created = ResidentLink.objects.update_or_create(
        user=user,
        defaults={
            "provider": provider_code,
            "name": record.name,
            "rrn_encrypted": encrypt_text(record.rrn),
            "rrn_hash": subject_hash(record.rrn),
            "rrn_masked": mask_rrn(record.rrn),
            "phone": record.phone,
            "address": record.address,
            "district_code": record.district_code,
            "verified_at": timezone.now(),
        },
    )
    return link
