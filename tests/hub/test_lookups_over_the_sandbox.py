"""Look-ups over the sandbox agencies (real HTTP, the signed standard connection): a person and
a business, answered on the next page and logged under every person the record is about."""

from __future__ import annotations

import pytest

from sharing import crypto
from sharing.hub import services_lookups as services
from sharing.models import AccessLogEntry, FetchRequest

from .sandbox_world import lookup_world_over_sandbox

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_person_and_a_business_are_looked_up_over_the_standard_connection(sandbox_agencies):
    from sharing.sandbox.models import Business

    official, office, uses = lookup_world_over_sandbox()
    person = sandbox_agencies.people[0]
    resident = services.lookup_create(
        official=official, office=office, use=uses["resident_abstract"], subject=person["rrn"], reason="거주 확인"
    )
    resident.refresh_from_db()
    assert resident.fetch_request.state == FetchRequest.State.FETCHED

    business = Business.objects.select_related("resident").first()
    looked_up = services.lookup_create(
        official=official,
        office=office,
        use=uses["business_status"],
        subject=business.business_number.replace("-", ""),
        reason="영업신고 사업자 확인",
    )
    looked_up.refresh_from_db()
    fetch = looked_up.fetch_request
    assert fetch.state == FetchRequest.State.FETCHED, fetch.error_code
    assert fetch.subject_kind == "business"
    answer = services.lookup_answer_read(
        lookup=looked_up, actor=official, ip_address=None, reveal_field="trade_name", reason="상호 확인"
    )
    values = {f.key: f.value for f in answer.fields}
    assert values["trade_name"] == business.trade_name
    assert values["representative_name"] != business.resident.name  # masked
    # The representative finds the look-up of their business on their own page.
    representative = crypto.subject_hash(business.resident.rrn)
    actions = set(AccessLogEntry.objects.filter(subject_hash=representative).values_list("action", flat=True))
    assert {"fetched", "revealed"} <= actions
    assert AccessLogEntry.objects.filter(
        subject_hash=crypto.subject_hash(business.business_number), action="looked_up", affair_code="LOCAL-FOOD-01"
    ).exists()
