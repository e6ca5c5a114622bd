from __future__ import annotations

from collections.abc import Callable, Iterator

from .base import BaseProvider


class Registry:
    """Providers by identifier; registering an identifier twice is a programming error."""

    def __init__(self):
        self._providers: dict[str, BaseProvider] = {}

    def __call__(self, identifier: str) -> Callable[[type[BaseProvider]], type[BaseProvider]]:
        def decorator(cls: type[BaseProvider]) -> type[BaseProvider]:
            if identifier in self._providers:
                raise ValueError(f"A provider with the identifier {identifier!r} is already registered.")
            cls.identifier = identifier
            self._providers[identifier] = cls()
            return cls

        return decorator

    def __getitem__(self, identifier: str) -> BaseProvider:
        return self._providers[identifier]

    def __contains__(self, identifier: str) -> bool:
        return identifier in self._providers

    def __iter__(self) -> Iterator[BaseProvider]:
        return iter(self._providers.values())

    def choices(self) -> list[tuple[str, str]]:
        return [(identifier, str(provider.verbose_name)) for identifier, provider in self._providers.items()]


registry = Registry()
register = registry
