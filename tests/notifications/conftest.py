"""The sandbox messaging provider reached through the test client (no socket), as the portal's
JWKS and the TSA are in tests/conftest.py; the real HTTP round trip has its live-server test."""

from __future__ import annotations

import pytest
from django.test import Client


class _Answer:
    def __init__(self, response):
        self.status = response.status_code
        self._content = response.content

    def read(self, amount=None):
        return self._content[:amount]

    def release_conn(self):
        pass


class MessagingThroughTheTestClient:
    """Stands for the urllib3 pool of portal.notifications.sandbox_client: requests go to the
    sandbox's view through the test client; ``fail_with`` answers a status or raises instead."""

    def __init__(self):
        self.calls: list[dict] = []
        self.fail_with: list[object] = []  # consumed one per request: an int status or an exception

    def request(self, method, url, *, body, headers, timeout, preload_content):
        from urllib.parse import urlsplit

        self.calls.append({"url": url, "body": body, "headers": headers})
        if self.fail_with:
            failure = self.fail_with.pop(0)
            if isinstance(failure, BaseException):
                raise failure
            from django.http import JsonResponse

            return _Answer(JsonResponse({"code": "SIMULATED", "message": "simulated"}, status=failure))
        extra = {f"HTTP_{key.upper().replace('-', '_')}": value for key, value in headers.items()}
        extra.pop("HTTP_CONTENT_TYPE", None)
        response = Client().post(urlsplit(url).path, body, content_type="application/json", **extra)
        return _Answer(response)


@pytest.fixture
def messaging(monkeypatch):
    from portal.notifications import sandbox_client

    fake = MessagingThroughTheTestClient()
    monkeypatch.setattr(sandbox_client, "_http", fake)
    return fake


@pytest.fixture
def phone_citizen(citizen):
    from portal.notifications.services import preferences_update

    citizen.email = "citizen-a@example.org"
    citizen.save(update_fields=["email"])
    preferences_update(user=citizen, email=True, sms=True, kakao=True, phone="010-2345-6789")
    return citizen
