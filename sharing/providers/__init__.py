"""Providers reach owning agencies; adding a protocol is adding a provider class here."""

from .base import BaseProvider, ProviderRequest, ProviderResponse
from .registry import Registry, register, registry

# Importing registers the built-in providers.
from . import standard_http  # noqa: E402,F401

__all__ = ["BaseProvider", "ProviderRequest", "ProviderResponse", "Registry", "register", "registry"]
