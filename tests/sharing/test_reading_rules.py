"""Which values a read masks, and what its log entry says: each decided by this item's own fields.

Two items share a field key with different sensitivities, so that a read that took another
item's unique identifiers (or all items') would mask the wrong values; revealing two values
names both in the log, in the order asked.
"""

import pytest

from sharing import audit, services
from sharing.hub.models import ApprovedUse
from sharing.models import AccessLogEntry
from sharing.types import FetchSpec
from tests.sharing.factories import ItemFieldFactory, permitted
from tests.sharing.test_minimisation_and_office import RRN, _read, _run

pytestmark = pytest.mark.django_db
SPOUSE_RRN = "920202-2345678"


@pytest.fixture
def family_item(agency):
    # Here "rrn" is an ordinary personal field (a number printed on the certificate, shown as it is
    # by this item's definition) and "spouse_rrn" is the unique identifier masked by default.
    for order, (key, sensitivity) in enumerate(
        [("name", "personal"), ("rrn", "personal"), ("spouse_rrn", "unique_id")]
    ):
        field = ItemFieldFactory(
            item__code="family_relation", item__agency=agency, key=key, sensitivity=sensitivity, order=order
        )
    return field.item


def _fetch(item, office, fields, capture, fake_agency, values, case_ref):
    fake_agency.values = values
    spec = FetchSpec(
        item_code=item.code, fields=fields, purpose_code="P-PENSION", subject_kind="person", subject_id=RRN
    )
    with capture(execute=True):
        [fetch_request] = services.fetch_requests_create(
            case_ref=case_ref, office=office, items=permitted(office, [spec])
        )
    assert _run(fetch_request, capture) == "fetched"
    return fetch_request


def test_masking_follows_the_read_items_own_unique_identifiers(
    item, family_item, office, official, fake_agency, queued, django_capture_on_commit_callbacks
):
    values = {"name": "김민원", "rrn": RRN, "spouse_rrn": SPOUSE_RRN, "address": "서울특별시 종로구"}
    abstract = _fetch(
        item, office, ["name", "rrn"], django_capture_on_commit_callbacks, fake_agency, values, "2026-0000001"
    )
    family = _fetch(
        family_item,
        office,
        ["name", "rrn", "spouse_rrn"],
        django_capture_on_commit_callbacks,
        fake_agency,
        values,
        "2026-0000002",
    )
    # resident_abstract: rrn is its unique identifier.
    assert _read(abstract, office, official) == {"name": "김민원", "rrn": "900101-1******"}
    # family_relation: rrn is ordinary here, spouse_rrn is the identifier.
    assert _read(family, office, official) == {"name": "김민원", "rrn": RRN, "spouse_rrn": "920202-2******"}


def test_a_read_revealing_two_values_names_both_in_the_log(
    item, office, official, fake_agency, queued, django_capture_on_commit_callbacks
):
    ItemFieldFactory(item=item, key="old_rrn", sensitivity="unique_id", order=9)
    values = {"name": "김민원", "rrn": RRN, "old_rrn": SPOUSE_RRN}
    fetch = _fetch(
        item,
        office,
        ["name", "rrn", "old_rrn"],
        django_capture_on_commit_callbacks,
        fake_agency,
        values,
        "2026-0000003",
    )
    read = _read(fetch, office, official, reveal_fields=["old_rrn", "rrn"], reason=" 동일인 확인 ")
    assert read == {"name": "김민원", "rrn": RRN, "old_rrn": SPOUSE_RRN}
    last = AccessLogEntry.objects.order_by("-sequence").first()
    assert (last.action, last.detail) == ("revealed", "revealed old_rrn, rrn: 동일인 확인")


def test_a_unique_identifier_sent_as_a_number_is_masked_whole(
    item, office, official, fake_agency, queued, django_capture_on_commit_callbacks
):
    values = {"name": "김민원", "rrn": 9001011234567}
    fetch = _fetch(
        item, office, ["name", "rrn"], django_capture_on_commit_callbacks, fake_agency, values, "2026-0000004"
    )
    assert _read(fetch, office, official) == {"name": "김민원", "rrn": "*****"}


def test_a_look_up_masks_every_field_it_names_and_shows_the_others(
    item, office, official, fake_agency, queued, django_capture_on_commit_callbacks
):
    # An official's look-up names the fields to mask (all of them): text keeps its first half,
    # other values are hidden whole, and an empty value stays empty.
    ItemFieldFactory(item=item, key="household_size", sensitivity="personal", order=8)
    values = {"name": "김민원", "rrn": RRN, "address": "서울특별시 종로구", "move_in_date": "", "household_size": 3}
    fields = ["name", "rrn", "address", "move_in_date", "household_size"]
    fetch = _fetch(item, office, fields, django_capture_on_commit_callbacks, fake_agency, values, "2026-0000005")
    masked = ["name", "rrn", "move_in_date", "household_size"]
    assert _read(fetch, office, official, masked_fields=masked) == {
        "name": "김**",
        "rrn": "900101-1******",
        "address": "서울특별시 종로구",
        "move_in_date": "",
        "household_size": "*****",
    }
    # Named to be revealed with a reason, a masked field is shown whole.
    read = _read(fetch, office, official, masked_fields=masked, reveal_fields=["household_size"], reason="세대 확인")
    assert read["household_size"] == 3 and read["name"] == "김**"


def test_a_read_records_the_affair_and_legal_basis_of_the_use_the_data_was_fetched_under(
    item, office, official, fake_agency, queued, django_capture_on_commit_callbacks
):
    values = {"name": "김민원", "rrn": RRN}
    fetch = _fetch(
        item, office, ["name", "rrn"], django_capture_on_commit_callbacks, fake_agency, values, "2026-0000006"
    )
    use = ApprovedUse.objects.get(pk=fetch.approved_use_id)
    assert use.affair_code and use.legal_basis
    _read(fetch, office, official)
    entry = AccessLogEntry.objects.order_by("-sequence").first()
    assert (entry.action, entry.affair_code, entry.legal_basis) == ("viewed", use.affair_code, use.legal_basis)


def test_an_entry_made_outside_any_use_records_no_affair_and_no_legal_basis(office, official):
    entry = audit.log_personal_data_access(
        action="viewed",
        subject_hash="h" * 64,
        case_ref="2026-0000007",
        office=office,
        actor=official,
        item_code="resident_abstract",
        fields=["name"],
        purpose="P-PENSION",
        ip_address=None,
        detail="",
    )
    assert (entry.affair_code, entry.legal_basis) == ("", "")
