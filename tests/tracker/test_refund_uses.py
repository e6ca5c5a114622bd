"""The citizen's refund inquiry runs under the approved uses of the portal's own using agency:
each fetch names one, asks only its approved fields, and an item without a use in force is not
asked. Over the sandbox agencies (as tests/tracker/test_refunds.py). Expectations by hand."""

import pytest

from sharing import crypto
from sharing.hub import services as hub_services
from sharing.hub.models import ApprovedUse
from sharing.models import AccessLogEntry, FetchRequest
from sharing.tracker import services
from sharing.tracker.errors import TrackerError
from sharing.tracker.models import RefundInquiry
from tests.tracker.test_refunds import CITIZEN1_REFUNDS, citizen1, refund_world  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)

REFUND_FIELDS = ["name", "refund_count", "refund_total", "refunds"]


def _portal_use(item_code: str) -> ApprovedUse:
    return ApprovedUse.objects.get(using_agency__code="portal", item__code=item_code)


def test_every_refund_fetch_runs_under_the_portals_use_and_is_logged_with_its_affair(citizen1):  # noqa: F811
    inquiry = services.refund_inquiry_start(citizen=citizen1)
    fetches = list(FetchRequest.objects.filter(case_ref=inquiry.case_ref).select_related("approved_use__using_agency"))
    assert {fetch.item.code for fetch in fetches} == set(CITIZEN1_REFUNDS)
    for fetch in fetches:
        assert fetch.approved_use.using_agency.code == "portal"
        assert fetch.approved_use.affair_code == "PORTAL-REFUND-INQ-01"
        assert fetch.approved_use.purpose.code == "P-REFUND-INQUIRY"
        assert fetch.state == "fetched"
    subject = crypto.subject_hash(crypto.decrypt_text(citizen1.resident_link.rrn_encrypted))
    fetched = AccessLogEntry.objects.filter(subject_hash=subject, case_ref=inquiry.case_ref, action="fetched")
    assert fetched.count() == 4
    assert set(fetched.values_list("affair_code", flat=True)) == {"PORTAL-REFUND-INQ-01"}
    assert all(entry.legal_basis for entry in fetched)


def test_a_narrowed_use_asks_only_its_fields_and_an_item_without_a_use_is_not_asked(citizen1):  # noqa: F811
    pension = _portal_use("pension_refunds")
    ApprovedUse.objects.filter(pk=pension.pk).update(fields=["name", "refund_total"])
    hub_services._changed(pension)  # the snapshot is dropped, as a decision drops it
    hub_services.use_suspend(actor=None, use=_portal_use("premium_refunds"), reason="점검")
    inquiry = services.refund_inquiry_start(citizen=citizen1)
    fetches = {fetch.item.code: fetch for fetch in FetchRequest.objects.filter(case_ref=inquiry.case_ref)}
    assert set(fetches) == {"local_tax_refunds", "national_tax_refunds", "pension_refunds"}
    assert fetches["pension_refunds"].fields == ["name", "refund_total"]
    assert fetches["local_tax_refunds"].fields == REFUND_FIELDS


def test_without_any_use_in_force_the_inquiry_is_refused_with_a_message(citizen1):  # noqa: F811
    for use in ApprovedUse.objects.filter(using_agency__code="portal"):
        hub_services.use_revoke(actor=None, use=use, reason="이용 종료")
    with pytest.raises(TrackerError) as refused:
        services.refund_inquiry_start(citizen=citizen1)
    assert refused.value.message == "지금은 미환급금 조회에 응답하는 기관이 없습니다."
    assert not RefundInquiry.objects.exists()
