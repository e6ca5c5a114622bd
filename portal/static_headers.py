"""Security headers on static files served by WhiteNoise (WHITENOISE_ADD_HEADERS_FUNCTION).

WhiteNoise answers static requests before the middleware below it runs, so the headers that
CSPMiddleware and XFrameOptionsMiddleware add to pages are added here, from the same settings.
SecurityMiddleware, above WhiteNoise, adds nosniff and the Referrer-Policy to every response;
they are set here as well so a file never depends on the middleware order.
"""

from __future__ import annotations

from csp.constants import HEADER
from csp.utils import build_policy
from django.conf import settings


def add_security_headers(headers, path: str, url: str) -> None:
    headers[HEADER] = build_policy(config=settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
    headers["X-Frame-Options"] = settings.X_FRAME_OPTIONS
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers["X-Content-Type-Options"] = "nosniff"
    if settings.SECURE_REFERRER_POLICY:
        headers["Referrer-Policy"] = settings.SECURE_REFERRER_POLICY
