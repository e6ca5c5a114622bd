"""System checks of the sharing backbone's configuration."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_field_keys(app_configs, **kwargs):
    problems: list[CheckMessage] = []
    keys = list(getattr(settings, "FIELD_ENCRYPTION_KEYS", []))
    if len(set(keys)) != len(keys):
        problems.append(Error("FIELD_ENCRYPTION_KEYS lists the same key twice.", id="sharing.E001"))
    if not getattr(settings, "SUBJECT_HASH_KEY", ""):
        problems.append(
            Warning(
                "SUBJECT_HASH_KEY is not set: the keyed hash of subjects is derived from SECRET_KEY, so rotating "
                "SECRET_KEY would detach the access log from the people it is about.",
                id="sharing.W001",
            )
        )
    return problems


@register()
def check_providers(app_configs, **kwargs):
    from .providers import registry

    if "standard-http" not in registry:
        return [Error("The standard-http provider is not registered.", id="sharing.E002")]
    return []


@register(Tags.security, deploy=True)
def check_document_trust(app_configs, **kwargs):
    """Outside the sandbox, the e-documents' sealing certificate and the TSA's root are files that
    must be there (and the key must be the certificate's): a missing one would fail every render."""
    if getattr(settings, "SANDBOX_TRUST", False):
        return []
    from django.core.exceptions import ImproperlyConfigured

    from sharing import timestamping
    from sharing.documents import pades

    problems: list[CheckMessage] = []
    for check, check_id in ((pades.sealing_signer, "sharing.E003"), (pades.trusted_roots, "sharing.E004")):
        try:
            check()
        except ImproperlyConfigured as exc:
            problems.append(Error(str(exc), id=check_id))
    try:
        timestamping.trusted_certificates()
    except ImproperlyConfigured as exc:
        problems.append(Error(str(exc), id="sharing.E005"))
    return problems
