"""System checks of the citizen journey's configuration."""

from django.conf import settings
from django.core.checks import Error, register
from django.utils.module_loading import import_string


@register()
def identity_provider_check(app_configs, **kwargs):
    dotted = getattr(settings, "PETITIONS_IDENTITY_PROVIDER", "")
    try:
        import_string(dotted)
    except ImportError as exc:
        return [
            Error(
                f"PETITIONS_IDENTITY_PROVIDER names {dotted!r}, which cannot be imported: {exc}",
                hint="Set PETITIONS_IDENTITY_PROVIDER to the dotted path of an identity provider class.",
                id="petitions.E001",
            )
        ]
    return []


@register()
def payment_provider_check(app_configs, **kwargs):
    from .payments.registry import provider_for

    identifier = getattr(settings, "PAYMENT_PROVIDER", "")
    try:
        provider = provider_for(identifier)
    except KeyError:
        return [
            Error(
                f"PAYMENT_PROVIDER is {identifier!r}, which is not a registered payment provider.",
                hint="Set PAYMENT_PROVIDER to the identifier of a provider of petitions.payments.registry.",
                id="petitions.E002",
            )
        ]
    problems = [
        Error(problem, hint="See petitions/payments/README.md.", id="petitions.E003")
        for problem in provider.check_config()
    ]
    return problems
