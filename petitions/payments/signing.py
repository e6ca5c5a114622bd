"""The signatures of the sandbox PG's protocol (PROTOCOL in README.md of this folder), portal side.

The sandbox gateway (``sharing.sandbox.pg``) implements the other side from the same document,
without importing this module, as a PG on another host would."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlencode


def checkout_signature(params: dict[str, str], secret: str) -> str:
    """HMAC-SHA256 of the checkout parameters (all but ``signature``), sorted and URL-encoded."""
    canonical = urlencode(sorted((key, str(value)) for key, value in params.items() if key != "signature"))
    return hmac.new(secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()


def webhook_signature(body: bytes, timestamp: str, secret: str) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def parse_signature_header(value: str) -> tuple[str, str]:
    """``t=<unix time>,v1=<hex>`` into (timestamp, signature); ("", "") when malformed."""
    parts = dict(part.split("=", 1) for part in (value or "").split(",") if "=" in part)
    return parts.get("t", "").strip(), parts.get("v1", "").strip()
