"""Payment providers by identifier, like the agencies' provider registry of ``sharing``."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .base import BasePaymentProvider


class Registry:
    """Providers by identifier; registering an identifier twice is a programming error."""

    def __init__(self):
        self._providers: dict[str, BasePaymentProvider] = {}

    def __call__(self, identifier: str) -> Callable[[type[BasePaymentProvider]], type[BasePaymentProvider]]:
        def decorator(cls: type[BasePaymentProvider]) -> type[BasePaymentProvider]:
            if identifier in self._providers:
                raise ValueError(f"A payment provider with the identifier {identifier!r} is already registered.")
            cls.identifier = identifier
            self._providers[identifier] = cls()
            return cls

        return decorator

    def __getitem__(self, identifier: str) -> BasePaymentProvider:
        return self._providers[identifier]

    def __contains__(self, identifier: str) -> bool:
        return identifier in self._providers

    def __iter__(self) -> Iterator[BasePaymentProvider]:
        return iter(self._providers.values())

    def choices(self) -> list[tuple[str, str]]:
        return [(identifier, str(provider.verbose_name)) for identifier, provider in self._providers.items()]

    def default(self) -> BasePaymentProvider:
        identifier = settings.PAYMENT_PROVIDER
        if identifier not in self._providers:
            raise ImproperlyConfigured(
                f"PAYMENT_PROVIDER is {identifier!r}; registered payment providers: {', '.join(self._providers)}."
            )
        return self._providers[identifier]


registry = Registry()
register = registry


def provider_for(identifier: str, registry_: Registry | None = None) -> BasePaymentProvider:
    from . import sandbox  # noqa: F401 (registers the sandbox provider)

    return (registry_ or registry)[identifier]


def default_provider(registry_: Registry | None = None) -> BasePaymentProvider:
    from . import sandbox  # noqa: F401 (registers the sandbox provider)

    return (registry_ or registry).default()
