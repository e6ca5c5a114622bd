"""A refused or withdrawn petition gets its fee back where its type says so; the daily
reconciliation compares the portal's payments with the provider's records."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from petitions import services
from petitions.models import Payment, PaymentReconciliation, Petition, PetitionType
from petitions.payments.base import EventKind, PaymentResult
from petitions.payments.services import payments_reconcile
from petitions.workflow import petition_transition

from .conftest import PASSPORT_FEE

P = Payment.Status
S = Petition.Status


def _file_paid(draft, pg, capture) -> tuple[Petition, Payment]:
    key = pg.take("-", PASSPORT_FEE)
    payment = Payment.objects.create(
        order_id="FEE-paid", petition=draft, payer=draft.applicant, provider="sandbox", amount=PASSPORT_FEE
    )
    pg.taken[key] = (payment.order_id, PASSPORT_FEE)
    from petitions.payments.services import payment_confirm

    with capture(execute=True):
        payment_confirm(order_id=payment.order_id, payment_key=key, amount=PASSPORT_FEE, actor=draft.applicant)
    draft.refresh_from_db()
    payment.refresh_from_db()
    return draft, payment


def test_a_withdrawn_petition_of_a_refundable_type_gets_its_fee_back(
    draft, pg, linked_citizen, django_capture_on_commit_callbacks
):
    petition, payment = _file_paid(draft, pg, django_capture_on_commit_callbacks)
    assert payment.status == P.PAID and petition.status == S.COLLECTING
    with django_capture_on_commit_callbacks(execute=True):
        services.petition_withdraw(petition=petition, actor=linked_citizen, reason="필요 없어짐")
    payment.refresh_from_db()
    assert payment.status == P.REFUNDED and payment.refund_reason == "petition_withdrawn" and payment.refunded_at
    assert pg.refunded == [payment.payment_key]


def test_a_rejected_petition_of_a_refundable_type_gets_its_fee_back(
    draft, pg, official, django_capture_on_commit_callbacks
):
    petition, payment = _file_paid(draft, pg, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        petition_transition(petition=petition, to=S.UNDER_REVIEW)
        petition_transition(petition=petition, to=S.REJECTED, actor=official, note="요건 미충족")
    payment.refresh_from_db()
    assert payment.status == P.REFUNDED and payment.refund_reason == "petition_rejected"


def test_an_approved_petition_keeps_its_fee(draft, pg, official, django_capture_on_commit_callbacks):
    petition, payment = _file_paid(draft, pg, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        petition_transition(petition=petition, to=S.UNDER_REVIEW)
        petition_transition(petition=petition, to=S.APPROVED, actor=official)
    payment.refresh_from_db()
    assert payment.status == P.PAID and pg.refunded == []


def test_a_type_without_refunds_keeps_the_fee_of_a_withdrawn_petition(
    demo_types, linked_citizen, pg, django_capture_on_commit_callbacks
):
    from .conftest import passport_draft

    PetitionType.objects.filter(slug="passport-issuance").update(fee_refundable=False)
    petition, payment = _file_paid(passport_draft(linked_citizen), pg, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.petition_withdraw(petition=petition, actor=linked_citizen)
    payment.refresh_from_db()
    assert payment.status == P.PAID and pg.refunded == []


def _today() -> datetime.date:
    return timezone.localdate()


def test_reconciliation_finds_each_kind_of_difference(draft, pg, django_capture_on_commit_callbacks):
    petition, paid = _file_paid(draft, pg, django_capture_on_commit_callbacks)
    other = Payment.objects.create(
        order_id="FEE-lost-webhook", petition=petition, payer=petition.applicant, provider="sandbox", amount=1000
    )
    now = timezone.now()
    pg.day_rows = [
        PaymentResult(paid.order_id, paid.payment_key, PASSPORT_FEE, EventKind.PAID, "card", now),
        PaymentResult(other.order_id, "sbx_lost", 1000, EventKind.PAID, "card", now),
        PaymentResult("FEE-elsewhere", "sbx_x", 500, EventKind.PAID, "card", now),
    ]
    report = payments_reconcile(day=_today())
    assert (report.portal_count, report.provider_count) == (1, 3)
    assert (report.portal_total, report.provider_total) == (53_000, 54_500)
    problems = {entry["order_id"]: entry["problem"] for entry in report.discrepancies}
    assert problems == {"FEE-lost-webhook": "missing_at_portal", "FEE-elsewhere": "missing_at_portal"}
    assert report.discrepancies[1]["portal"]["status"] == "ready"  # the portal's order, still waiting

    pg.day_rows = [PaymentResult(paid.order_id, paid.payment_key, 50_000, EventKind.PAID, "card", now)]
    assert payments_reconcile(day=_today()).discrepancies[0]["problem"] == "amount_mismatch"
    pg.day_rows = [PaymentResult(paid.order_id, paid.payment_key, PASSPORT_FEE, EventKind.REFUNDED, "card", now)]
    assert payments_reconcile(day=_today()).discrepancies[0]["problem"] == "status_mismatch"
    pg.day_rows = []
    assert payments_reconcile(day=_today()).discrepancies[0]["problem"] == "missing_at_provider"


def test_the_command_keeps_the_report_writes_the_file_and_fails_on_differences(
    draft, pg, tmp_path, django_capture_on_commit_callbacks
):
    petition, paid = _file_paid(draft, pg, django_capture_on_commit_callbacks)
    pg.day_rows = [PaymentResult(paid.order_id, paid.payment_key, PASSPORT_FEE, EventKind.PAID, "card", None)]
    out = StringIO()
    call_command("reconcile_payments", date=_today().isoformat(), output=str(tmp_path / "r.csv"), stdout=out)
    assert "Balanced." in out.getvalue()
    assert PaymentReconciliation.objects.get().balanced
    assert (tmp_path / "r.csv").read_text().splitlines()[1].endswith(",1,1,53000,53000")

    pg.day_rows = []
    with pytest.raises(SystemExit) as exited:
        call_command("reconcile_payments", date=_today().isoformat(), stdout=StringIO(), stderr=StringIO())
    assert exited.value.code == 1
    assert PaymentReconciliation.objects.count() == 2


def test_the_reconciliation_reports_are_read_only_in_the_admin(draft, pg, admin_client_verified):
    report = PaymentReconciliation.objects.create(
        provider="sandbox",
        day=_today(),
        discrepancies=[{"order_id": "FEE-x", "problem": "missing_at_portal", "portal": None, "provider": None}],
    )
    page = admin_client_verified.get(f"/admin/petitions/paymentreconciliation/{report.pk}/change/")
    assert page.status_code == 200 and "FEE-x" in page.content.decode()
    assert admin_client_verified.get("/admin/petitions/paymentreconciliation/add/").status_code == 403


def test_a_bad_date_is_refused_by_the_command(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("reconcile_payments", date="yesterday")
