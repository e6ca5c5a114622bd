"""System checks that `manage.py check --deploy` runs on top of Django's own."""

import hashlib

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_portal_secrets(app_configs, **kwargs):
    problems: list[CheckMessage] = []
    development_key = hashlib.sha256(b"portal development encryption key").digest()
    if development_key in settings.FIELD_ENCRYPTION_KEYS:
        problems.append(
            Error(
                "FIELD_ENCRYPTION_KEYS contains the development key.",
                hint=(
                    "Generate a key with "
                    '`python -c "import os,base64;print(base64.urlsafe_b64encode(os.urandom(32)).decode())"`.'
                ),
                id="portal.E001",
            )
        )
    script_src = settings.CONTENT_SECURITY_POLICY.get("DIRECTIVES", {}).get("script-src", [])
    if any("unsafe" in source for source in script_src):
        problems.append(
            Warning(
                "The Content-Security-Policy allows unsafe scripts.",
                hint="Keep scripts in static files.",
                id="portal.W001",
            )
        )
    return problems
