"""The owning agency holds the approved uses too: the portal pushes every decision over the
signed standard connection, and the agency (the sandbox, over real HTTP) refuses a request
outside the use it holds. Expectations written by hand from PROTOCOL.md."""

from __future__ import annotations

import base64
import datetime
import json
import time
import uuid
from unittest import mock

import httpx
import pytest
from celery.exceptions import Retry
from django.utils import timezone
from joserfc import jws
from joserfc.jwk import ECKey

from sharing import keys
from sharing.hub import push, services, tasks
from sharing.hub.models import ApprovedUse, UsePush
from sharing.models import Agency, InformationItem, Purpose
from sharing.sandbox.models import SandboxAgency, UseApproval
from sharing.sandbox.protocol import ProtocolError
from sharing.sandbox.services import approval_receive
from tests.hub.factories import UsingAgencyFactory
from tests.sandbox.helpers import open_answer, payload, post, sign

TODAY = timezone.localdate()


def _apply_and_approve(*, fields=("name", "address", "move_in_date"), approved=None, **approve) -> ApprovedUse:
    use = services.use_apply(
        actor=None,
        using_agency=UsingAgencyFactory(code="seoul-jongno"),
        item=InformationItem.objects.get(code="resident_abstract"),
        affair_code="LOCAL-PARKING-01",
        affair_name_ko="거주자 우선주차 관리",
        purpose=Purpose.objects.get(code="P-PARKING"),
        legal_basis="주차장법 제10조",
        consent_required=False,
        fields=fields,
        expected_monthly_volume=100,
        requested_from=TODAY - datetime.timedelta(days=1),
        requested_until=TODAY + datetime.timedelta(days=90),
    )
    return services.use_approve(actor=None, use=use, fields=approved, **approve)


def _ask(sandbox, use: ApprovedUse, **overrides) -> httpx.Response:
    under_the_use = {
        "use_id": str(use.public_id),
        "using_agency": "seoul-jongno",
        "affair_code": "LOCAL-PARKING-01",
        "legal_basis": "주차장법 제10조",
    }
    body = payload(**(under_the_use | overrides))
    return post(sandbox.item_url("mois", "resident_abstract"), sign(body))


def test_a_decision_reaches_the_agency_and_bounds_what_it_answers(sandbox_agencies):
    use = _apply_and_approve()
    held = UseApproval.objects.get(use_id=use.public_id)
    assert (held.version, held.status, held.fields) == (use.version, "approved", ["name", "address", "move_in_date"])
    assert UsePush.objects.get(use=use).state == "pushed"
    answer = _ask(sandbox_agencies, use, fields=["name", "address"])
    assert answer.status_code == 200, answer.text
    assert list(open_answer(answer.text, "mois")["fields"]) == ["name", "address"]
    outside = _ask(sandbox_agencies, use, fields=["name", "rrn"])
    assert outside.status_code == 403 and outside.json()["error"] == "not_approved"
    assert "rrn" in outside.json()["message"]


def test_a_narrowed_approval_limits_the_fields_at_the_agency(sandbox_agencies):
    use = _apply_and_approve(approved=["name", "address"], reason="전입일은 업무에 필요하지 않음")
    assert UseApproval.objects.get(use_id=use.public_id).fields == ["name", "address"]
    assert _ask(sandbox_agencies, use, fields=["name", "address"]).status_code == 200
    refused = _ask(sandbox_agencies, use, fields=["name", "move_in_date"])
    assert refused.status_code == 403 and "move_in_date" in refused.json()["message"]


def test_a_request_outside_the_use_is_refused_at_the_agency(sandbox_agencies):
    use = _apply_and_approve()
    for overrides, named in [
        ({"using_agency": "seoul-gangnam"}, "seoul-gangnam"),
        ({"purpose": "P-MOVE-IN"}, "P-MOVE-IN"),
        ({"affair_code": "OTHER-01"}, "OTHER-01"),
        ({"use_id": str(uuid.uuid4())}, "holds no approved use"),
    ]:
        refused = _ask(sandbox_agencies, use, **overrides)
        assert (refused.status_code, refused.json()["error"]) == (403, "not_approved"), overrides
        assert named in refused.json()["message"]


def test_suspending_revoking_and_resuming_reach_the_next_request(sandbox_agencies):
    use = _apply_and_approve()
    assert _ask(sandbox_agencies, use).status_code == 200
    use = services.use_suspend(actor=None, use=use, reason="점검 중")
    refused = _ask(sandbox_agencies, use)
    assert refused.status_code == 403 and "suspended: 점검 중" in refused.json()["message"]
    use = services.use_resume(actor=None, use=use)
    assert _ask(sandbox_agencies, use).status_code == 200
    use = services.use_revoke(actor=None, use=use, reason="목적 외 이용")
    refused = _ask(sandbox_agencies, use)
    assert refused.status_code == 403 and "revoked: 목적 외 이용" in refused.json()["message"]
    assert UseApproval.objects.get(use_id=use.public_id).version == use.version == 5


def test_an_unreachable_agency_leaves_the_push_failed_and_push_all_sends_it_later(sandbox_agencies):
    Agency.objects.filter(code="mois").update(base_url="http://127.0.0.1:9/sandbox/agencies/mois/")
    with sandbox_agencies.uses_not_pushed():  # only the decision's own push, not the fixture's
        use = _apply_and_approve()
    state = UsePush.objects.get(use=use)
    assert (state.state, state.pushed_version, state.attempts) == ("failed", 0, 1)
    assert state.last_error.startswith("connection failed")
    assert not UseApproval.objects.filter(use_id=use.public_id).exists()
    Agency.objects.filter(code="mois").update(base_url=sandbox_agencies.base_url("mois"))
    assert services.uses_push_all() == 1
    state.refresh_from_db()
    assert (state.state, state.pushed_version, state.last_error) == ("pushed", use.version, "")
    assert services.uses_push_all() == 0  # nothing left to send


def test_a_failed_push_is_retried_by_the_worker_with_growing_back_off(db):
    outcome = push.PushOutcome(pushed=False, retry=True, message="down")
    with (
        mock.patch.object(push, "use_push", return_value=outcome),
        mock.patch.object(tasks.use_push_task, "retry", side_effect=Retry()) as retry,
    ):
        tasks.use_push_task.push_request(is_eager=False, retries=2)
        try:
            with pytest.raises(Retry):
                tasks.use_push_task.run(1)
        finally:
            tasks.use_push_task.pop_request()
    retry.assert_called_once_with(countdown=40)
    refusal = push.PushOutcome(pushed=False, retry=False, message="HTTP 400")
    with (
        mock.patch.object(push, "use_push", return_value=refusal),
        mock.patch.object(tasks.use_push_task, "retry") as retry,
    ):
        tasks.use_push_task.push_request(is_eager=False, retries=0)
        try:
            assert tasks.use_push_task.run(1) is False
        finally:
            tasks.use_push_task.pop_request()
    retry.assert_not_called()  # a refusal needs a person, not another attempt


# --- The agency's side of a push (no HTTP: the sandbox service with tokens as the portal signs them) ---


@pytest.fixture
def decided(sandbox_agencies):
    Agency.objects.filter(code="mois").update(base_url="http://127.0.0.1:9/sandbox/agencies/mois/")  # not pushed
    return _apply_and_approve()


def _receive(token: str):
    return approval_receive(agency=SandboxAgency.objects.get(code="mois"), body=token.encode(), now=time.time())


def test_pushes_must_be_signed_by_the_portal(decided, sandbox_agencies):
    token = push.approval_token(decided, now=time.time())
    header, body, _signature = token.split(".")
    stranger = ECKey.generate_key("P-256", private=True)
    forged = jws.serialize_compact(
        {"alg": "ES256", "kid": keys.signing_key().kid, "typ": push.APPROVAL_TYPE},
        base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)),
        stranger,
    )
    unsigned = base64.urlsafe_b64encode(b'{"alg":"none","typ":"use-approval+jws"}').rstrip(b"=").decode()
    as_request = sign(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))  # a share request's typ
    for bad, expected in [
        (forged, (401, "bad_signature")),
        (f"{unsigned}.{body}.", (400, "malformed_request")),
        (f"{unsigned}.{body}.{_signature}", (400, "malformed_request")),
        (as_request, (400, "malformed_request")),
    ]:
        with pytest.raises(ProtocolError) as refused:
            _receive(bad)
        assert (refused.value.status, refused.value.error) == expected
    assert not UseApproval.objects.filter(use_id=decided.public_id).exists()
    # Over HTTP too: no signature, no approval.
    response = post(f"{sandbox_agencies.base_url('mois')}approvals/", forged)
    assert (response.status_code, response.json()["error"]) == (401, "bad_signature")


def test_a_replayed_push_is_idempotent(decided):
    token = push.approval_token(decided, now=time.time())
    first, second = _receive(token), _receive(token)
    assert (first.stored, first.version) == (True, decided.version)
    assert (second.stored, second.version) == (False, decided.version)
    assert UseApproval.objects.filter(use_id=decided.public_id).count() == 1


def test_an_older_version_arriving_late_does_not_overwrite_a_newer_one(decided):
    approved = push.approval_token(decided, now=time.time())  # version 2: approved
    revoked_use = services.use_revoke(actor=None, use=decided, reason="목적 외 이용")
    revoked = push.approval_token(revoked_use, now=time.time())  # version 3: revoked
    assert _receive(revoked).stored is True
    late = _receive(approved)  # the retry of the approval, overtaken by the revocation
    assert (late.stored, late.version) == (False, 3)
    held = UseApproval.objects.get(use_id=decided.public_id)
    assert (held.status, held.version, held.reason) == ("revoked", 3, "목적 외 이용")


def test_a_use_expired_or_not_yet_in_force_at_the_agency_refuses(decided, sandbox_agencies):
    _receive(push.approval_token(decided, now=time.time()))
    UseApproval.objects.filter(use_id=decided.public_id).update(valid_until=TODAY - datetime.timedelta(days=1))
    expired = _ask(sandbox_agencies, decided)
    assert expired.status_code == 403 and "expired on" in expired.json()["message"]
    UseApproval.objects.filter(use_id=decided.public_id).update(
        valid_from=TODAY + datetime.timedelta(days=1), valid_until=TODAY + datetime.timedelta(days=9)
    )
    not_yet = _ask(sandbox_agencies, decided)
    assert not_yet.status_code == 403 and "in force only from" in not_yet.json()["message"]


def test_a_push_for_an_item_of_another_agency_or_unknown_fields_is_refused(decided):
    body = push.approval_payload(decided, now=time.time())
    for change, expected in [
        ({"item": "vehicle_registration"}, (404, "unknown_item")),
        ({"fields": ["name", "favourite_colour"]}, (400, "malformed_request")),
        ({"version": 0}, (400, "malformed_request")),
        ({"status": "applied"}, (400, "malformed_request")),
        ({"valid_from": "2027-01-01", "valid_until": "2026-01-01"}, (400, "malformed_request")),
    ]:
        key = keys.signing_key()
        token = jws.serialize_compact(
            {"alg": "ES256", "kid": key.kid, "typ": push.APPROVAL_TYPE}, json.dumps(body | change).encode(), key
        )
        with pytest.raises(ProtocolError) as refused:
            _receive(token)
        assert (refused.value.status, refused.value.error) == expected, change
    assert not UseApproval.objects.filter(use_id=decided.public_id).exists()
