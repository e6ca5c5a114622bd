"""Demo clients of the open API for ``make run``: a sandbox app citizens may authorise (public
client, authorization code with PKCE, sent back to the citizen's "Connected apps" page, where
the address bar holds the code to swap at /oauth/token/), and the Jongno office's system
(client credentials) bound to ``officer1``, who is made staff of the Jongno-gu recipient so the
system can read its inbox of submitted e-documents. Idempotent; runs after the offices, the
accounts and the recipients are seeded.

The agency system's secret is the demo's, published like the demo password: the portal keeps
only its hash, so it is printed here, at seed time, and nowhere else.
"""

from __future__ import annotations

from django.db import transaction
from oauth2_provider.models import Application

from portal.models import Office, User
from sharing.submissions.models import Recipient, RecipientStaff

from .models import AgencyClient

SANDBOX_APP_CLIENT_ID = "demo-sandbox-app"
SANDBOX_APP_NAME = "Sandbox budget app (demo)"
# The portal's own "Connected apps" page: after allowing, the browser lands there with ?code=…
SANDBOX_APP_REDIRECT_URIS = ("http://127.0.0.1:8000/my/apps/", "http://localhost:8000/my/apps/")

AGENCY_CLIENT_ID = "demo-jongno-system"
AGENCY_CLIENT_NAME = "Jongno-gu office system (demo)"
AGENCY_CLIENT_SECRET = "demo-jongno-secret-not-for-production"  # noqa: S105 (published demo secret)
AGENCY_OFFICE = "jongno"
AGENCY_OFFICIAL = "officer1"


@transaction.atomic
def seed(*, stdout=None, **options) -> None:
    app, app_created = Application.objects.get_or_create(
        client_id=SANDBOX_APP_CLIENT_ID,
        defaults={
            "name": SANDBOX_APP_NAME,
            "client_type": Application.CLIENT_PUBLIC,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            "redirect_uris": " ".join(SANDBOX_APP_REDIRECT_URIS),
            "algorithm": "",
        },
    )
    office = Office.objects.filter(code=AGENCY_OFFICE).first()
    official = User.objects.filter(username=AGENCY_OFFICIAL).first()
    system_created = False
    if office is not None and official is not None:
        system, system_created = Application.objects.get_or_create(
            client_id=AGENCY_CLIENT_ID,
            defaults={
                "name": AGENCY_CLIENT_NAME,
                "client_type": Application.CLIENT_CONFIDENTIAL,
                "authorization_grant_type": Application.GRANT_CLIENT_CREDENTIALS,
                "client_secret": AGENCY_CLIENT_SECRET,
                "algorithm": "",
            },
        )
        AgencyClient.objects.get_or_create(application=system, defaults={"office": office, "official": official})
        if office.using_agency_id is not None:
            recipient = Recipient.objects.filter(using_agency_id=office.using_agency_id).first()
            if recipient is not None:
                RecipientStaff.objects.get_or_create(recipient=recipient, user=official)
    if stdout:
        stdout.write(f"  open API apps: {int(app_created) + int(system_created)} new")
        stdout.write(f"    sandbox app (citizens authorise it): client id {app.client_id}, PKCE S256")
        if office is not None and official is not None:
            stdout.write(
                f"    Jongno office system: client id {AGENCY_CLIENT_ID}, client secret {AGENCY_CLIENT_SECRET} "
                "(demo only; scopes lookups inbox)"
            )
