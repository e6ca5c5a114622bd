import threading

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import reverse
from django.utils import translation

from sharing import audit, crypto, selectors
from sharing.models import AccessLogEntry
from tests.sharing.factories import FetchRequestFactory, InformationItemFactory


@pytest.fixture
def english():
    with translation.override("en"):
        yield


@pytest.mark.django_db
def test_check_connection_action_reports_per_agency(admin_client_verified, agency, english):
    url = reverse("admin:sharing_agency_changelist")
    response = admin_client_verified.post(
        url, {"action": "check_connection", "_selected_action": [agency.pk]}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    texts = [str(message) for message in get_messages(response.wsgi_request)]
    assert any("configured and reachable" in text for text in texts), texts

    agency.public_jwks = {}
    agency.save()
    response = admin_client_verified.post(
        url, {"action": "check_connection", "_selected_action": [agency.pk]}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    texts = [str(message) for message in get_messages(response.wsgi_request)]
    assert any("fake:" in text and "EC P-256" in text for text in texts), texts


@pytest.mark.django_db
def test_catalogue_admin_pages_load(admin_client_verified, item):
    for name in (
        "sharing_agency_changelist",
        "sharing_informationitem_changelist",
        "sharing_purpose_changelist",
        "sharing_fetchrequest_changelist",
        "sharing_accesslogentry_changelist",
    ):
        assert admin_client_verified.get(reverse(f"admin:{name}")).status_code == 200
    response = admin_client_verified.get(reverse("admin:sharing_informationitem_change", args=[item.pk]))
    assert response.status_code == 200 and b"rrn" in response.content  # the fields inline


@pytest.mark.django_db
def test_agency_form_refuses_private_keys(admin_client_verified, agency, fake_agency):
    private = fake_agency.signing_key.as_dict(private=True) | {"kid": "x"}
    data = {
        "code": agency.code,
        "name_ko": agency.name_ko,
        "name_en": agency.name_en,
        "enabled": "on",
        "provider": "standard-http",
        "base_url": agency.base_url,
        "public_jwks": f'{{"keys": [{__import__("json").dumps(private)}]}}',
        "timeout_seconds": 5,
        "max_attempts": 3,
        "backoff_base_seconds": 1,
        "backoff_cap_seconds": 10,
        "circuit_failure_threshold": 3,
        "circuit_reset_seconds": 30,
    }
    response = admin_client_verified.post(reverse("admin:sharing_agency_change", args=[agency.pk]), data)
    assert response.status_code == 200  # the form again, with the error
    agency.refresh_from_db()
    assert all("d" not in key for key in agency.public_jwks["keys"])


@pytest.mark.django_db
def test_access_log_admin_is_read_only(admin_client_verified, office):
    entry = audit.log_personal_data_access(
        action="viewed",
        subject_hash="h" * 64,
        case_ref="2026-0000001",
        office=office,
        actor=None,
        item_code="x",
        fields=["name"],
        purpose="p",
    )
    assert admin_client_verified.get(reverse("admin:sharing_accesslogentry_add")).status_code == 403
    assert admin_client_verified.get(reverse("admin:sharing_accesslogentry_delete", args=[entry.pk])).status_code == 403
    response = admin_client_verified.post(
        reverse("admin:sharing_accesslogentry_change", args=[entry.pk]), {"detail": "changed"}
    )
    assert response.status_code == 403
    assert AccessLogEntry.objects.get(pk=entry.pk).detail == ""


@pytest.mark.django_db
def test_fetch_requests_for_cases_take_one_query(django_assert_num_queries, office):
    item = InformationItemFactory()
    for _ in range(3):
        FetchRequestFactory(case_ref="2026-0000001", item=InformationItemFactory(agency=item.agency), office=office)
        FetchRequestFactory(case_ref="2026-0000002", item=InformationItemFactory(agency=item.agency), office=office)
    with django_assert_num_queries(1):
        grouped = selectors.fetch_requests_for_cases(["2026-0000001", "2026-0000002"])
        names = [(fr.item.agency.name, fr.office.code, fr.state) for frs in grouped.values() for fr in frs]
    assert len(names) == 6
    with django_assert_num_queries(1):
        case = selectors.fetch_requests_for_case("2026-0000001")
        assert selectors.fetch_progress(case) == (0, 3)


@pytest.mark.django_db
def test_access_log_for_subject(office):
    mine, theirs = crypto.subject_hash("900101-1234567"), crypto.subject_hash("800101-2234567")
    for subject in (mine, theirs, mine):
        audit.log_personal_data_access(
            action="viewed",
            subject_hash=subject,
            case_ref="c",
            office=office,
            actor=None,
            item_code="x",
            fields=[],
            purpose="p",
        )
    assert [entry.sequence for entry in selectors.access_log_for_subject(mine)] == [3, 1]


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_the_chain_linear(office):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises the whole database)")
    errors = []

    def append_many():
        try:
            for _ in range(10):
                audit.log_personal_data_access(
                    action="viewed",
                    subject_hash="s" * 64,
                    case_ref="c",
                    office=office,
                    actor=None,
                    item_code="x",
                    fields=[],
                    purpose="p",
                )
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=append_many) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    result = audit.verify_chain()
    assert result.ok and result.checked == 60
