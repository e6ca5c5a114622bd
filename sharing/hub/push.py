"""The portal tells the owning agency of each decision on a use of its items (PROTOCOL.md,
"Approved uses"): a compact JWS (ES256, the portal's signing key, ``typ: use-approval+jws``)
POSTed to ``<agency base URL>approvals/``, like a share request.

The whole current state of the use is sent, never a delta, and the agency keeps a push only
when its ``version`` is newer than what it holds: a push sent twice, or a retry overtaken by
the next decision, changes nothing there. ``use_push`` makes one attempt and records its
outcome in ``UsePush``; ``tasks.use_push_task`` retries it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from django.db.models.functions import Greatest
from django.utils import timezone
from joserfc import jws

from sharing import keys
from sharing.providers import transport

from .models import ApprovedUse, UsePush

PROTOCOL_VERSION = 1
APPROVAL_TYPE = "use-approval+jws"
CONTENT_TYPE = "application/jose"
MAX_ANSWER_BYTES = 16 * 1024
# The statuses the agency is told of: a use it may answer under, or one it must stop answering.
# An application still waiting, or refused, never reached the agency's side.
PUSHED_STATUSES = (ApprovedUse.Status.APPROVED, ApprovedUse.Status.SUSPENDED, ApprovedUse.Status.REVOKED)


@dataclass(frozen=True)
class PushOutcome:
    """``message``: a technical detail in English (shown as such on the use's page, like an agency's error)."""

    pushed: bool
    retry: bool  # a failure worth trying again (the agency unreachable or failing), not a refusal
    message: str = ""


def approvals_url(agency) -> str:
    base = agency.base_url if agency.base_url.endswith("/") else agency.base_url + "/"
    return f"{base}approvals/"


def approval_payload(use: ApprovedUse, *, now: float) -> dict:
    assert use.valid_from is not None and use.valid_until is not None  # noqa: S101 (a decided use has its period)
    return {
        "v": PROTOCOL_VERSION,
        "timestamp": int(now),
        "use_id": str(use.public_id),
        "version": use.version,
        "status": use.status,
        "using_agency": use.using_agency.code,
        "item": use.item.code,
        "affair_code": use.affair_code,
        "affair_name": use.affair_name_ko,
        "purpose": use.purpose.code,
        "legal_basis": use.legal_basis,
        "consent_required": use.consent_required,
        "fields": list(use.fields),
        "valid_from": use.valid_from.isoformat(),
        "valid_until": use.valid_until.isoformat(),
        "reason": use.reason,
    }


def approval_token(use: ApprovedUse, *, now: float) -> str:
    key = keys.signing_key()
    header = {"alg": keys.SIGNING_ALG, "kid": key.kid, "typ": APPROVAL_TYPE}
    body = json.dumps(approval_payload(use, now=now), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return jws.serialize_compact(header, body, key)


def _failed(use: ApprovedUse, message: str, *, retry: bool) -> PushOutcome:
    UsePush.objects.filter(use=use).update(state=UsePush.State.FAILED, last_error=message[:300])
    return PushOutcome(pushed=False, retry=retry, message=message)


def use_push(*, use_pk: int) -> PushOutcome:
    """One attempt to bring the owning agency up to the use's present version."""
    use = ApprovedUse.objects.select_related("using_agency", "item__agency", "purpose").filter(pk=use_pk).first()
    if use is None or use.status not in PUSHED_STATUSES:
        return PushOutcome(pushed=False, retry=False)
    push, _created = UsePush.objects.get_or_create(use=use)
    if push.pushed_version >= use.version:
        return PushOutcome(pushed=True, retry=False)
    UsePush.objects.filter(pk=push.pk).update(
        attempts=push.attempts + 1, last_attempt_at=timezone.now(), state=UsePush.State.PENDING
    )
    agency = use.item.agency
    try:
        answer = transport.request(
            "POST",
            approvals_url(agency),
            body=approval_token(use, now=time.time()).encode("ascii"),
            headers={"Content-Type": CONTENT_TYPE, "Accept": "application/json"},
            timeout=agency.timeout_seconds,
            max_bytes=MAX_ANSWER_BYTES,
        )
    except transport.TransportTimeout:
        return _failed(use, "timeout: no answer within the agency's timeout", retry=True)
    except transport.TransportError as exc:
        return _failed(use, f"connection failed: {exc}", retry=True)
    try:
        body = json.loads(answer.content)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return _failed(use, f"HTTP {answer.status_code} without a JSON body", retry=True)
    if answer.status_code != 200:
        message = f"HTTP {answer.status_code} {body.get('error', '')}: {str(body.get('message', ''))[:200]}"
        # 5xx and 401 stale_timestamp/429 may pass; any other refusal needs a person to look.
        return _failed(use, message, retry=answer.status_code >= 500 or answer.status_code in (401, 429))
    held = body.get("version")
    if body.get("use_id") != str(use.public_id) or isinstance(held, bool) or not isinstance(held, int):
        return _failed(use, "the answer names another use or no version", retry=True)
    if held < use.version:
        return _failed(
            use,
            f"the agency holds version {held}, not {use.version}",
            retry=True,
        )
    # Greatest: a slower attempt finishing after a newer one never lowers what the agency is known to hold.
    UsePush.objects.filter(pk=push.pk).update(
        pushed_version=Greatest("pushed_version", held), last_error="", pushed_at=timezone.now()
    )
    UsePush.objects.filter(pk=push.pk, pushed_version__gte=use.version).update(state=UsePush.State.PUSHED)
    return PushOutcome(pushed=True, retry=False)


def seed(*, stdout=None, **options) -> None:
    """Last step of seed_demo: the owning agencies are told of every decided demo use.

    Queued, not sent: under ``make run`` the sandbox agencies answer only once the web server is
    up, and the worker's retries carry the pushes through until then.
    """
    from .services import uses_push_all

    queued = uses_push_all()
    if stdout:
        stdout.write(f"  approved uses queued for their owning agencies: {queued}")
