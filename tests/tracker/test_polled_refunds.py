"""The refund answers htmx polls answer 304 until an agency answers (portal/conditional.py)."""

import pytest
from django.test import Client

from sharing.models import FetchRequest
from sharing.tracker.models import RefundInquiry

from .test_refunds import citizen1, refund_world  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_polls_are_304_until_the_last_agency_answers_then_polling_stops(
    citizen1,  # noqa: F811 (the imported fixture)
    refund_world,  # noqa: F811 (the imported fixture)
    monkeypatch,
    django_assert_max_num_queries,
):
    monkeypatch.setattr("sharing.services.backoff_seconds", lambda agency, attempt: 60.0)
    refund_world.set_faults("nps", down=True)
    client = _client_for(citizen1)
    client.post("/refunds/")
    inquiry = RefundInquiry.objects.get(citizen=citizen1)
    url = f"/refunds/{inquiry.public_id}/answers/"
    first = client.get(url, **HTMX)
    assert first.status_code == 200 and 'hx-trigger="every 2s"' in first.content.decode()
    # The first render read the three answers in: their count is part of the version, so the
    # next poll renders once more, and from then on the answer is 304.
    settled = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"], **HTMX)
    assert settled.status_code == 200
    etag = settled["ETag"]
    with django_assert_max_num_queries(3) as queries:
        again = client.get(url, HTTP_IF_NONE_MATCH=etag, **HTMX)
    assert again.status_code == 304 and again.content == b""
    assert sum("tracker_refundinquiry" in q["sql"] for q in queries.captured_queries) == 1
    assert again["Cache-Control"] == "private, no-cache"

    # The pension agency's fetch ends (it gave up): new content, and htmx is told to stop.
    from django.utils import timezone

    FetchRequest.objects.filter(case_ref=inquiry.case_ref, item__code="pension_refunds").update(
        state="failed", error_code="agency_unavailable", updated_at=timezone.now()
    )
    done = client.get(url, HTTP_IF_NONE_MATCH=etag, **HTMX)
    assert done.status_code == 286 and "hx-trigger" not in done.content.decode()
    assert done["ETag"] != etag and "tracker-badge-error" in done.content.decode()


def test_the_etag_varies_by_language_and_another_citizen_gets_404(citizen1, other_citizen):  # noqa: F811
    client = _client_for(citizen1)
    client.post("/refunds/")
    inquiry = RefundInquiry.objects.get(citizen=citizen1)
    url = f"/refunds/{inquiry.public_id}/answers/"
    client.get(url)  # the answers read in
    korean = client.get(url, HTTP_ACCEPT_LANGUAGE="ko")["ETag"]
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")["ETag"]
    assert korean != english
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="ko", HTTP_IF_NONE_MATCH=korean).status_code == 304
    assert _client_for(other_citizen).get(url, HTTP_IF_NONE_MATCH=korean).status_code == 404
