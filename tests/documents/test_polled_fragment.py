"""The "preparing" fragment htmx polls answers 304 until the document is ready (portal/conditional.py)."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import login_verified

from .factories import receipt_request

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_a_second_poll_is_304_then_the_ready_document_stops_the_polling(
    citizen, office, citizen_client, django_assert_max_num_queries
):
    from sharing.documents.tasks import render_document

    request = receipt_request(owner=citizen, office=office)  # not rendered yet (on_commit not run)
    url = reverse("documents:request_status", args=[request.public_id])
    first = citizen_client.get(url, **HTMX)
    assert first.status_code == 200 and 'hx-trigger="every 2s"' in first.content.decode()
    assert first["Cache-Control"] == "private, no-cache"
    with django_assert_max_num_queries(3) as queries:
        again = citizen_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"], **HTMX)
    assert again.status_code == 304 and again.content == b""
    assert sum("documents_documentrequest" in q["sql"] for q in queries.captured_queries) == 1

    render_document.apply(args=[request.pk])
    ready = citizen_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"], **HTMX)
    request.refresh_from_db()
    assert ready.status_code == 286  # django-htmx's HttpResponseStopPolling
    assert "hx-get" not in ready.content.decode()
    assert reverse("documents:download", args=[request.document.public_id]) in ready.content.decode()


def test_the_etag_varies_by_language_and_user_and_is_no_key_for_others(
    citizen, office, citizen_client, official, other_official
):
    request = receipt_request(owner=citizen, office=office)
    url = reverse("documents:request_status", args=[request.public_id])
    korean = citizen_client.get(url, HTTP_ACCEPT_LANGUAGE="ko")["ETag"]
    english = citizen_client.get(url, HTTP_ACCEPT_LANGUAGE="en")["ETag"]
    assert korean != english
    assert citizen_client.get(url, HTTP_ACCEPT_LANGUAGE="ko", HTTP_IF_NONE_MATCH=korean).status_code == 304
    assert citizen_client.get(url, HTTP_ACCEPT_LANGUAGE="en", HTTP_IF_NONE_MATCH=korean).status_code == 200

    officer = login_verified(Client(), official)  # an official of the issuing office
    mine = officer.get(url, HTTP_ACCEPT_LANGUAGE="ko")
    assert mine.status_code == 200 and mine["ETag"] != korean
    assert officer.get(url, HTTP_ACCEPT_LANGUAGE="ko", HTTP_IF_NONE_MATCH=mine["ETag"]).status_code == 304
    stranger = login_verified(Client(), other_official)
    assert stranger.get(url, HTTP_IF_NONE_MATCH=korean).status_code == 404
    assert stranger.get(url, HTTP_IF_NONE_MATCH=mine["ETag"]).status_code == 404
    assert Client().get(url, HTTP_IF_NONE_MATCH=korean).status_code == 404
