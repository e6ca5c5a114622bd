"""The sandbox's identity provider ("본인 확인" in development): the sandbox resident register.

Named by ``settings.PETITIONS_IDENTITY_PROVIDER`` (the default while the sandbox is mounted),
behind the provider interface (portal.identity): it checks name and RRN against the
sandbox resident register and prints the one-time code meant for the phone on record there.
The register is the sandbox's own table: only this module, of the identity code, reads it.

It imports nothing of petitions (tests/test_layers.py): the interface is the bottom layer's.
"""

from __future__ import annotations

from django.apps import apps
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.identity import IdentityError, OneTimeCodeProvider, ResidentRecord


def mask_phone(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    return f"{digits[:3]}-****-{digits[-4:]}" if len(digits) >= 7 else "***"


def sandbox_register_lookup(rrn: str) -> ResidentRecord | None:
    """The resident with this RRN in the sandbox resident register, or None."""
    if not apps.is_installed("sharing.sandbox"):
        raise IdentityError(_("Identity confirmation is not available. Call the help desk at 110."))
    from .models import Resident  # not at import: the class is importable without the sandbox

    resident = Resident.objects.filter(rrn=rrn).select_related("household__building__parcel").first()
    if resident is None:
        return None
    household = resident.household
    return ResidentRecord(
        name=resident.name,
        rrn=resident.rrn,
        phone=resident.phone,
        address=household.address(),
        district_code=household.building.parcel.district_code,
    )


class SandboxIdentityProvider(OneTimeCodeProvider):
    code = "sandbox"
    verbose_name = gettext_lazy("Sandbox resident register (one-time code to the phone on record)")

    def __init__(self, lookup=None, send_code=None):
        super().__init__(lookup=lookup or sandbox_register_lookup, send_code=send_code or self._print_code)

    @staticmethod
    def _print_code(phone: str, code: str) -> None:
        # Development only: the sandbox has no SMS gateway. The code goes to the console,
        # never to the log (it would be a credential there).
        print(f"[sandbox SMS to {mask_phone(phone)}] 본인 확인 인증번호: {code}", flush=True)  # noqa: T201

    def demo_records(self) -> list[tuple[str, ResidentRecord]]:
        """The demo people of the sandbox registers, as their record or, when the register has
        not been seeded, as the demo lists them."""
        from .demo import DEMO_PEOPLE

        return [
            (
                person["username"],
                sandbox_register_lookup(person["rrn"])
                or ResidentRecord(
                    name=person["name"],
                    rrn=person["rrn"],
                    phone=person["phone"],
                    address="",
                    district_code=person["district_code"],
                ),
            )
            for person in DEMO_PEOPLE
        ]
