"""Settings of the sandbox agencies served on their own, as real agencies are: another address,
another process, only the standard connection.

    DJANGO_SETTINGS_MODULE=sharing.sandbox.service_settings gunicorn sharing.sandbox.service_wsgi

Everything comes from ``portal.settings`` (the same database, keys and fault settings), but the
service answers only ``/healthz`` and the machine endpoints under ``/sandbox/`` (items, agency
roots, JWKS, the OpenAPI document): no sign-in, sessions, CSRF, language or second factor, whose
middleware the agencies' callers never use. The developer page that lists the agencies stays on
the portal (``/sandbox/`` when the sandbox is mounted there).
"""

from portal.settings import *  # noqa: F403 (the portal's settings are this service's defaults)
from portal.settings import INSTALLED_APPS

if "sharing.sandbox.apps.SandboxConfig" not in INSTALLED_APPS:
    INSTALLED_APPS.append("sharing.sandbox.apps.SandboxConfig")
SANDBOX_AGENCIES_ENABLED = True
ROOT_URLCONF = "sharing.sandbox.service_urls"
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
