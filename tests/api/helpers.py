"""OAuth clients and tokens for the API tests."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlparse

from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

REDIRECT_URI = "http://testserver/sandbox-app/callback"


def citizen_app(name: str = "Sandbox budget app") -> Application:
    """An app citizens authorise: public client, authorization code (PKCE required)."""
    return Application.objects.create(
        name=name,
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT_URI,
        algorithm="",
    )


def token_for(user, application: Application, scope: str) -> AccessToken:
    return AccessToken.objects.create(
        user=user,
        application=application,
        token=secrets.token_urlsafe(30),
        expires=timezone.now() + timedelta(hours=1),
        scope=scope,
    )


def bearer(token) -> dict:
    value = token.token if hasattr(token, "token") else token
    return {"HTTP_AUTHORIZATION": f"Bearer {value}"}


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_url(application: Application, *, scope: str, challenge: str | None, state: str = "xyz") -> str:
    query = {
        "response_type": "code",
        "client_id": application.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": state,
    }
    if challenge is not None:
        query.update({"code_challenge": challenge, "code_challenge_method": "S256"})
    return f"/oauth/authorize/?{urlencode(query)}"


def authorise(client, application: Application, *, scope: str) -> str:
    """The citizen signed in on ``client`` allows the app; the app swaps the code for a token."""
    verifier, challenge = pkce_pair()
    url = authorize_url(application, scope=scope, challenge=challenge)
    page = client.get(url)
    assert page.status_code == 200, page.content
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields if form.fields[name].widget.is_hidden}
    data["allow"] = "Authorize"
    answer = client.post(url, data)
    assert answer.status_code == 302, answer.content
    code = parse_qs(urlparse(answer["Location"]).query)["code"][0]
    token = client.post(
        "/oauth/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": application.client_id,
            "code_verifier": verifier,
        },
    )
    assert token.status_code == 200, token.content
    return token.json()["access_token"]
