"""Reads of the API's own records: the apps a citizen authorised, the system a client is."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model, get_refresh_token_model

from .scopes import ALL_SCOPES


@dataclass
class AuthorisedApp:
    application_id: int
    name: str
    since: datetime
    scopes: list[str] = field(default_factory=list)

    @property
    def scope_descriptions(self) -> list[str]:
        return [str(ALL_SCOPES[scope]) for scope in self.scopes if scope in ALL_SCOPES]


def authorised_apps(*, user) -> list[AuthorisedApp]:
    """The apps holding a live token or refresh token of ``user`` (two queries, whatever the
    number of tokens), oldest authorisation first."""
    access_tokens = get_access_token_model().objects.filter(user=user, expires__gt=timezone.now())
    refresh_tokens = get_refresh_token_model().objects.filter(user=user, revoked__isnull=True)
    found: dict[int, AuthorisedApp] = {}
    rows = [
        *access_tokens.values_list("application_id", "application__name", "created", "scope"),
        *refresh_tokens.filter(Q(access_token__isnull=True) | Q(access_token__expires__lte=timezone.now())).values_list(
            "application_id", "application__name", "created", "access_token__scope"
        ),
    ]
    for application_id, name, created, scope in rows:
        if application_id is None:
            continue
        app = found.setdefault(application_id, AuthorisedApp(application_id=application_id, name=name, since=created))
        app.since = min(app.since, created)
        for part in (scope or "").split():
            if part not in app.scopes:
                app.scopes.append(part)
    return sorted(found.values(), key=lambda app: (app.since, app.application_id))


def application_for_citizen(*, user, application_id: int):
    """An application the citizen authorised, else None."""
    if not any(app.application_id == application_id for app in authorised_apps(user=user)):
        return None
    return get_application_model().objects.filter(pk=application_id).first()
