"""The progress part htmx polls answers 304 until something it shows changes (portal/conditional.py)."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from petitions.models import Petition
from sharing.models import FetchRequest
from sharing.signals import case_fetches_settled
from tests.petitions.helpers import file_building_use_change

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_a_second_poll_is_304_with_no_body_and_a_change_is_200(
    demo_types, linked_citizen, linked_client, django_assert_max_num_queries
):
    petition = file_building_use_change(linked_citizen)
    url = reverse("petitions:my_progress", args=[petition.receipt_no])
    first = linked_client.get(url, **HTMX)
    assert first.status_code == 200 and 'hx-trigger="every 3s"' in first.content.decode()
    etag = first["ETag"]
    assert first["Cache-Control"] == "private, no-cache"  # kept for this user, revalidated every poll

    # Session, user, the version: nothing of the fragment is read or rendered.
    with django_assert_max_num_queries(3) as queries:
        again = linked_client.get(url, HTTP_IF_NONE_MATCH=etag, **HTMX)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert sum("petitions_petition" in q["sql"] for q in queries.captured_queries) == 1

    # One fetch completes: the fragment is new.
    fetch = FetchRequest.objects.filter(case_ref=petition.receipt_no).order_by("pk").first()
    FetchRequest.objects.filter(pk=fetch.pk).update(
        state="fetched", fetched_at=timezone.now(), updated_at=timezone.now()
    )
    changed = linked_client.get(url, HTTP_IF_NONE_MATCH=etag, **HTMX)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "수집한 정보: 3건 중 1건" in changed.content.decode()
    assert linked_client.get(url, HTTP_IF_NONE_MATCH=changed["ETag"], **HTMX).status_code == 304


def test_when_nothing_more_can_change_htmx_is_told_to_stop_polling(demo_types, linked_citizen, linked_client):
    petition = file_building_use_change(linked_citizen)
    url = reverse("petitions:my_progress", args=[petition.receipt_no])
    etag = linked_client.get(url, **HTMX)["ETag"]
    FetchRequest.objects.filter(case_ref=petition.receipt_no).update(state="fetched", fetched_at=timezone.now())
    case_fetches_settled.send(sender=None, case_ref=petition.receipt_no)
    assert Petition.objects.get(pk=petition.pk).status == Petition.Status.UNDER_REVIEW
    done = linked_client.get(url, HTTP_IF_NONE_MATCH=etag, **HTMX)
    assert done.status_code == 286  # django-htmx's HttpResponseStopPolling: swapped in, poll cancelled
    assert "hx-trigger" not in done.content.decode() and "국토교통부" in done.content.decode()
    # Without htmx (a plain request), the same fragment with 200.
    assert linked_client.get(url).status_code == 200


def test_the_etag_varies_by_language_and_is_not_another_users(
    demo_types, linked_citizen, linked_client, linked_other_citizen
):
    petition = file_building_use_change(linked_citizen)
    url = reverse("petitions:my_progress", args=[petition.receipt_no])
    korean = linked_client.get(url, HTTP_ACCEPT_LANGUAGE="ko", **HTMX)
    english = linked_client.get(url, HTTP_ACCEPT_LANGUAGE="en", **HTMX)
    assert korean["ETag"] != english["ETag"]
    # The Korean ETag does not get the English page a 304, nor the other way round.
    assert linked_client.get(url, HTTP_ACCEPT_LANGUAGE="en", HTTP_IF_NONE_MATCH=korean["ETag"]).status_code == 200
    assert linked_client.get(url, HTTP_ACCEPT_LANGUAGE="ko", HTTP_IF_NONE_MATCH=korean["ETag"]).status_code == 304
    # Someone else with the owner's ETag: still a 404, never a 304.
    other = Client()
    other.force_login(linked_other_citizen, backend="django.contrib.auth.backends.ModelBackend")
    assert other.get(url, HTTP_IF_NONE_MATCH=korean["ETag"]).status_code == 404


def test_an_upload_instead_of_a_fetch_is_a_new_version(demo_types, linked_citizen, linked_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.petitions.conftest import pdf_bytes

    petition = file_building_use_change(linked_citizen)
    failed = FetchRequest.objects.get(case_ref=petition.receipt_no, item__code="building_ledger")
    FetchRequest.objects.filter(pk=failed.pk).update(
        state="failed", error_code="subject_not_found", updated_at=timezone.now()
    )
    url = reverse("petitions:my_progress", args=[petition.receipt_no])
    before = linked_client.get(url, **HTMX)
    upload = reverse("petitions:my_fetch_upload", args=[petition.receipt_no, failed.pk])
    assert upload in before.content.decode()
    document = SimpleUploadedFile("ledger.pdf", pdf_bytes(), content_type="application/pdf")
    assert linked_client.post(upload, {"document": document}).status_code == 302
    after = linked_client.get(url, HTTP_IF_NONE_MATCH=before["ETag"], **HTMX)
    assert after.status_code == 200 and upload not in after.content.decode()
