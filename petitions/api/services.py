"""Writes of the API: revoking an app's authorisation, and the access-log entry of a call that
reads a citizen's data (through sharing.audit, as every other access)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)

from sharing import audit
from sharing.models import AccessLogEntry
from sharing.tracker.selectors import citizen_subject_hash

logger = logging.getLogger(__name__)

# The access log's codes of API reads (sharing/tracker/labels.py gives them words).
API_PURPOSE = "open_api"
API_ITEM_PETITIONS = "api_petitions"
API_ITEM_DOCUMENTS = "api_documents"
API_ITEM_ACCESS_LOG = "api_access_log"


@transaction.atomic
def app_authorisation_revoke(*, user, application) -> int:
    """Takes every token and code of ``application`` for ``user``: the app's next call with any
    of them is refused (tokens are checked against the database on every call)."""
    refresh = get_refresh_token_model().objects.filter(user=user, application=application)
    access = get_access_token_model().objects.filter(user=user, application=application)
    removed = refresh.count() + access.count()
    refresh.delete()
    id_tokens = list(access.exclude(id_token=None).values_list("id_token_id", flat=True))
    access.delete()
    get_id_token_model().objects.filter(pk__in=id_tokens).delete()
    get_grant_model().objects.filter(user=user, application=application).delete()
    logger.info("api authorisation revoked: application=%s user=%s", application.pk, user.pk)
    return removed


def _coalesce_seconds() -> int:
    return getattr(settings, "API_READ_LOG_COALESCE_SECONDS", 300)


def api_read_log(*, user, token, item_code: str, case_ref: str = "", ip_address: str | None = None) -> None:
    """The access-log entry of a call of an app that read ``user``'s data: the citizen sees which
    app read what, and when. Reads of the same thing by the same app within
    ``API_READ_LOG_COALESCE_SECONDS`` (300) are one entry, the first read's: an app polling a
    status every few seconds would otherwise bury the citizen's log (and hold the chain's lock
    for every poll). 0 writes one entry per call."""
    application = token.application
    window = _coalesce_seconds()
    if window > 0:
        key = f"api-read-log:{application.pk}:{user.pk}:{item_code}:{case_ref}"
        if not cache.add(key, 1, timeout=window):
            return  # this read is already in the log, within the window
    subject_hash = citizen_subject_hash(user)
    if subject_hash is None:
        return  # no identity linked: nothing of theirs came from an agency
    audit.log_personal_data_access(
        action=AccessLogEntry.Action.VIEWED,
        subject_hash=subject_hash,
        case_ref=case_ref,
        office=None,
        actor=user,
        item_code=item_code,
        fields=[],
        purpose=API_PURPOSE,
        ip_address=ip_address,
        detail=f"open API app {application.client_id} ({application.name})"[:500],
    )
