"""Providers reach owning agencies; adding a protocol is adding a provider class here."""

# Importing registers the built-in providers.
from . import standard_http  # noqa: F401
from .base import BaseProvider, ProviderRequest, ProviderResponse
from .registry import Registry, register, registry

__all__ = ["BaseProvider", "ProviderRequest", "ProviderResponse", "Registry", "register", "registry"]
