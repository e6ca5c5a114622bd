"""Identity verification ("본인 확인"): linking an account to a resident record once.

A provider is a class named by ``settings.PETITIONS_IDENTITY_PROVIDER`` (dotted path). The
sandbox provider checks name and RRN against the sandbox resident register and sends a
one-time code to the phone on record there (printed on the console in development); a real
provider (the government's OpenID Connect service, say) is another class with the same two
methods.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import IdentityError
from .models import IdentityChallenge, ResidentLink

logger = logging.getLogger(__name__)

CODE_LIFETIME = datetime.timedelta(minutes=5)
MAX_ATTEMPTS = 5


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
    verbose_name = ""

    def start(self, *, user, name: str, rrn: str) -> IdentityChallenge:
        raise NotImplementedError

    def confirm(self, *, user, challenge: IdentityChallenge, code: str) -> ResidentRecord:
        raise NotImplementedError


def _code_hash(code: str, challenge_salt: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{challenge_salt}:{code}".encode(), hashlib.sha256).hexdigest()


def _mask_phone(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    return f"{digits[:3]}-****-{digits[-4:]}" if len(digits) >= 7 else "***"


def sandbox_register_lookup(rrn: str) -> ResidentRecord | None:
    """The resident with this RRN in the sandbox resident register, or None."""
    from django.apps import apps

    if not apps.is_installed("sharing.sandbox"):
        raise IdentityError(_("Identity confirmation is not available. Call the help desk at 110."))
    from sharing.sandbox.models import Resident

    resident = (
        Resident.objects.filter(rrn=rrn).select_related("household__building__parcel").first()
    )
    if resident is None:
        return None
    household = resident.household
    return ResidentRecord(
        name=resident.name, rrn=resident.rrn, phone=resident.phone, address=household.address(),
        district_code=household.building.parcel.district_code,
    )


class SandboxIdentityProvider(IdentityProvider):
    code = "sandbox"
    verbose_name = gettext_lazy("Sandbox resident register (one-time code to the phone on record)")

    def __init__(self, lookup=None, send_code=None):
        self._lookup = lookup or sandbox_register_lookup
        self._send_code = send_code or self._print_code

    @staticmethod
    def _print_code(phone: str, code: str) -> None:
        # Development only: the sandbox has no SMS gateway. The code goes to the console,
        # never to the log (it would be a credential there).
        print(f"[sandbox SMS to {_mask_phone(phone)}] 본인 확인 인증번호: {code}", flush=True)  # noqa: T201

    def start(self, *, user, name: str, rrn: str) -> IdentityChallenge:
        from sharing.crypto import encrypt_text

        record = self._lookup(rrn)
        if record is None or record.name.replace(" ", "") != name.replace(" ", ""):
            raise IdentityError(_("The name and resident registration number do not match a resident record."))
        if not record.phone:
            raise IdentityError(_("No mobile phone is on record for you. Visit a community centre to register one."))
        code = f"{secrets.randbelow(1_000_000):06d}"
        salt = secrets.token_hex(8)
        challenge = IdentityChallenge.objects.create(
            user=user, provider=self.code, name=record.name, rrn_encrypted=encrypt_text(rrn),
            code_hash=f"{salt}${_code_hash(code, salt)}", expires_at=timezone.now() + CODE_LIFETIME,
        )
        self._send_code(record.phone, code)
        challenge.phone_hint = _mask_phone(record.phone)
        return challenge

    def confirm(self, *, user, challenge: IdentityChallenge, code: str) -> ResidentRecord:
        from sharing.crypto import decrypt_text

        salt, expected = challenge.code_hash.split("$", 1)
        if not hmac.compare_digest(_code_hash(code, salt), expected):
            raise IdentityError(_("The code is not right. Check the message and try again."))
        record = self._lookup(decrypt_text(challenge.rrn_encrypted))
        if record is None:
            raise IdentityError(_("The resident record could not be found any more."))
        return record


@functools.cache
def get_provider() -> IdentityProvider:
    dotted = getattr(settings, "PETITIONS_IDENTITY_PROVIDER", "petitions.identity.SandboxIdentityProvider")
    try:
        return import_string(dotted)()
    except ImportError as exc:
        raise ImportError(f"PETITIONS_IDENTITY_PROVIDER names {dotted!r}, which cannot be imported: {exc}") from exc


@receiver(setting_changed)
def _clear_provider(*, setting, **kwargs):
    if setting == "PETITIONS_IDENTITY_PROVIDER":
        get_provider.cache_clear()


@transaction.atomic
def identity_verification_start(*, user, name: str, rrn: str, provider: IdentityProvider | None = None):
    provider = provider or get_provider()
    IdentityChallenge.objects.filter(user=user).delete()
    return provider.start(user=user, name=name, rrn=rrn)


def identity_verification_confirm(*, user, code: str, provider: IdentityProvider | None = None) -> ResidentLink:
    from sharing.crypto import encrypt_text, mask_rrn, subject_hash

    provider = provider or get_provider()
    error = None
    with transaction.atomic():
        challenge = IdentityChallenge.objects.select_for_update().filter(user=user).first()
        if challenge is None or challenge.expires_at < timezone.now():
            raise IdentityError(_("The code has expired. Ask for a new one."))
        if challenge.attempts >= MAX_ATTEMPTS:
            raise IdentityError(_("Too many wrong codes. Ask for a new one."))
        try:
            record = provider.confirm(user=user, challenge=challenge, code=code)
        except IdentityError as exc:
            # Counted in this transaction, which commits: the error is raised after it.
            challenge.attempts += 1
            challenge.save(update_fields=["attempts"])
            error = exc
        else:
            rrn_hash = subject_hash(record.rrn)
            if ResidentLink.objects.filter(rrn_hash=rrn_hash).exclude(user=user).exists():
                raise IdentityError(
                    _("This resident is already linked to another account. Call the help desk at 110.")
                )
            link, _created = ResidentLink.objects.update_or_create(
                user=user,
                defaults={
                    "provider": provider.code, "name": record.name, "rrn_encrypted": encrypt_text(record.rrn),
                    "rrn_hash": rrn_hash, "rrn_masked": mask_rrn(record.rrn), "phone": record.phone,
                    "address": record.address, "district_code": record.district_code,
                    "verified_at": timezone.now(),
                },
            )
            challenge.delete()
    if error is not None:
        raise error
    logger.info("identity verified user_id=%s provider=%s", user.pk, provider.code)
    return link


@transaction.atomic
def resident_link_set(*, user, record: ResidentRecord, provider_code: str = "sandbox") -> ResidentLink:
    """Links an account directly (demo data); the same fields as a verification."""
    from sharing.crypto import encrypt_text, mask_rrn, subject_hash

    link, _created = ResidentLink.objects.update_or_create(
        user=user,
        defaults={
            "provider": provider_code, "name": record.name, "rrn_encrypted": encrypt_text(record.rrn),
            "rrn_hash": subject_hash(record.rrn), "rrn_masked": mask_rrn(record.rrn), "phone": record.phone,
            "address": record.address, "district_code": record.district_code, "verified_at": timezone.now(),
        },
    )
    return link
