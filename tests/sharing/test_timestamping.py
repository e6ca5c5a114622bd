"""RFC 3161 time stamps (sharing.timestamping) from the sandbox time-stamping authority
(sharing.sandbox.tsa, ``/sandbox/tsa/``), and what the client refuses."""

import datetime as dt
import hashlib

import pytest
import time_machine
from asn1crypto import cms, tsp
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings

from sharing import timestamping
from sharing.sandbox import service_settings, tsa
from sharing.timestamping import TimestampInvalid, TimestampUnavailable
from tests.event_loops import run_coroutine

REAL_POST_QUERY = timestamping.post_query
REAL_FETCH_CA = timestamping.fetch_ca_document
STAMPED_AT = dt.datetime(2026, 3, 1, 9, 30, 15, tzinfo=dt.UTC)


def _reason(token: bytes, data: bytes) -> str:
    with pytest.raises(TimestampInvalid) as caught:
        timestamping.verify_timestamp(token, data)
    return caught.value.reason


def test_a_token_certifies_the_time_the_tsa_stamped_the_data():
    with time_machine.travel(STAMPED_AT, tick=False):
        token = timestamping.timestamp(b"the access log's checkpoint 42")
    assert timestamping.verify_timestamp(token, b"the access log's checkpoint 42") == STAMPED_AT
    assert timestamping.token_time(token) == STAMPED_AT
    info = cms.ContentInfo.load(token)["content"]["encap_content_info"]["content"].parsed
    assert info["message_imprint"]["hash_algorithm"]["algorithm"].native == "sha256"
    assert (
        info["message_imprint"]["hashed_message"].native == hashlib.sha256(b"the access log's checkpoint 42").digest()
    )


def test_a_token_over_other_data_is_refused_as_another_imprint():
    token = timestamping.timestamp(b"checkpoint 42")
    assert _reason(token, b"checkpoint 43") == "imprint"
    assert _reason(token, b"") == "imprint"


def test_a_token_altered_after_issue_is_refused_as_a_bad_signature():
    token = bytearray(timestamping.timestamp(b"checkpoint 42"))
    token[-3] ^= 0x01  # inside the TSA's ECDSA signature, the last field of the token
    assert _reason(bytes(token), b"checkpoint 42") == "signature"


def test_a_token_with_its_stated_time_changed_is_refused():
    token = timestamping.timestamp(b"checkpoint 42")
    stated = timestamping.token_time(token).strftime("%Y%m%d%H%M%S").encode()
    forged = token.replace(stated, b"20200101000000", 1)
    assert forged != token
    assert _reason(forged, b"checkpoint 42") == "signature"


def test_a_token_of_a_tsa_the_portal_does_not_trust_is_refused():
    timestamping.trusted_certificates()  # the portal learns the sandbox TSA's root first
    digest = hashlib.sha256(b"checkpoint 42").digest()
    _nonce, request = timestamping.timestamper().request_cms(digest, "sha256")
    with override_settings(SANDBOX_KEY_SEED="another authority altogether"):
        answer = tsa.authority().answer(request.dump())
    token = tsp.TimeStampResp.load(answer)["time_stamp_token"].dump()
    assert _reason(token, b"checkpoint 42") == "untrusted"


def test_the_client_refuses_to_return_a_token_it_cannot_trust():
    timestamping.trusted_certificates()
    with (
        override_settings(SANDBOX_KEY_SEED="another authority altogether"),
        pytest.raises(TimestampUnavailable, match="does not check"),
    ):
        timestamping.timestamp(b"checkpoint 42")


@pytest.mark.parametrize("garbage", [b"", b"\x30\x03\x02\x01\x01", b"not a token", b"\x30" * 40])
def test_what_is_not_a_token_is_refused_as_malformed(garbage):
    assert _reason(garbage, b"checkpoint 42") == "malformed"


def test_a_cms_signature_that_is_not_a_time_stamp_is_refused_as_malformed():
    token = timestamping.timestamp(b"x")
    signed_data = cms.ContentInfo.load(token)["content"]
    signed_data["encap_content_info"] = cms.EncapsulatedContentInfo({"content_type": "data", "content": b"x"})
    forged = cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()
    assert _reason(forged, b"x") == "malformed"


def test_an_unreachable_or_unwilling_tsa_is_a_clear_error():
    with (
        override_settings(TSA_URL="http://testserver/sandbox/nowhere/"),
        pytest.raises(TimestampUnavailable, match="answered 404"),
    ):
        timestamping.timestamp(b"x")


def test_a_refusal_of_the_tsa_is_a_clear_error_naming_its_reason(monkeypatch):
    monkeypatch.setattr(tsa, "DIGEST_LENGTHS", {"sha512": 64})
    with pytest.raises(TimestampUnavailable, match=r"refused the request \(bad_alg\)"):
        timestamping.timestamp(b"x")


def test_an_answer_to_another_request_is_refused(monkeypatch):
    real = timestamping.post_query

    def replayed(url, body):
        other = tsp.TimeStampReq.load(body).copy()
        other["nonce"] = 1
        return real(url, other.dump())

    monkeypatch.setattr(timestamping, "post_query", replayed)
    with pytest.raises(TimestampUnavailable, match="nonce"):
        timestamping.timestamp(b"x")


def test_an_answer_that_is_not_a_time_stamp_response_is_refused(monkeypatch):
    monkeypatch.setattr(timestamping, "post_query", lambda url, body: (200, "application/timestamp-reply", b"<html>"))
    with pytest.raises(TimestampUnavailable, match="not a usable"):
        timestamping.timestamp(b"x")
    monkeypatch.setattr(timestamping, "post_query", lambda url, body: (200, "text/html", b"<html>"))
    with pytest.raises(TimestampUnavailable, match="answered 200 text/html"):
        timestamping.timestamp(b"x")


def test_the_trusted_root_can_be_a_file_and_a_wrong_file_is_noticed(tmp_path):
    right = tmp_path / "tsa-root.pem"
    right.write_bytes(tsa.authority().root_pem())
    with override_settings(SANDBOX_KEY_SEED="another authority altogether"):
        wrong_pem = tsa.authority().root_pem()
    wrong = tmp_path / "other-root.pem"
    wrong.write_bytes(wrong_pem)
    with override_settings(TSA_CA_FILE=str(right), SANDBOX_TRUST=False):
        token = timestamping.timestamp(b"x")
        timestamping.verify_timestamp(token, b"x")
    with override_settings(TSA_CA_FILE=str(wrong), SANDBOX_TRUST=False):
        assert _reason(token, b"x") == "untrusted"


def test_outside_development_the_tsa_root_must_be_configured():
    with (
        override_settings(TSA_CA_FILE="", SANDBOX_TRUST=False),
        pytest.raises(ImproperlyConfigured, match="TSA_CA_FILE"),
    ):
        timestamping.trusted_certificates()
    with (
        override_settings(TSA_CA_FILE="/nonexistent/tsa.pem"),
        pytest.raises(ImproperlyConfigured, match="TSA_CA_FILE"),
    ):
        timestamping.trusted_certificates()


def test_the_pyhanko_timestamper_gets_checked_tokens_from_the_same_tsa():
    stamper = timestamping.timestamper()
    digest = hashlib.sha256(b"a PDF's signature").digest()
    token = run_coroutine(lambda: stamper.async_timestamp(digest, "sha256"))
    assert timestamping.verify_timestamp(token.dump(), b"a PDF's signature")
    assert timestamping.timestamper() is stamper  # one per process


# -- the sandbox TSA's endpoint ------------------------------------------------------------------


@pytest.fixture
def service():
    with override_settings(ROOT_URLCONF=service_settings.ROOT_URLCONF, MIDDLEWARE=service_settings.MIDDLEWARE):
        yield Client()


def _query(digest: bytes, algorithm: str = "sha256", **extra) -> bytes:
    return tsp.TimeStampReq(
        {
            "version": 1,
            "message_imprint": {"hash_algorithm": {"algorithm": algorithm}, "hashed_message": digest},
            "cert_req": True,
            **extra,
        }
    ).dump()


def _post(service, body: bytes, content_type: str = "application/timestamp-query"):
    return service.post("/sandbox/tsa/", body, content_type=content_type)


def test_the_tsa_grants_a_query_with_its_nonce_and_certificates(service):
    response = _post(service, _query(hashlib.sha256(b"x").digest(), nonce=12345))
    assert response.status_code == 200 and response["Content-Type"] == "application/timestamp-reply"
    answer = tsp.TimeStampResp.load(response.content)
    assert answer["status"]["status"].native == "granted"
    token = answer["time_stamp_token"]
    assert token["content"]["encap_content_info"]["content"].parsed["nonce"].native == 12345
    subjects = {cert.chosen.subject.native["common_name"] for cert in token["content"]["certificates"]}
    assert subjects == {"Sandbox Time-Stamping Authority", "Sandbox Time-Stamping CA"}


@pytest.mark.parametrize(
    ("body", "failure"),
    [
        (b"not DER at all", "bad_data_format"),
        (_query(b"\x00" * 20, "sha1"), "bad_alg"),
        (_query(b"\x00" * 31), "bad_alg"),
        (_query(b"\x00" * 32, req_policy="1.2.3.4"), "unaccepted_policy"),
    ],
)
def test_the_tsa_rejects_a_bad_query_with_the_rfc_3161_reason(service, body, failure):
    response = _post(service, body)
    assert response.status_code == 200
    status = timestamping.TimeStampResponse.load(response.content)["status"]
    assert status["status"].native == "rejection"
    assert status["fail_info"].native == {failure}


def test_the_tsa_refuses_other_methods_media_types_and_large_bodies(service):
    assert service.get("/sandbox/tsa/").status_code == 405
    assert _post(service, _query(b"\x00" * 32), "application/octet-stream").status_code == 415
    assert _post(service, b"\x30" * 5000).status_code == 413


def test_the_tsa_publishes_its_root_and_keeps_it_across_processes(service):
    response = service.get("/sandbox/tsa/ca.pem")
    assert response.status_code == 200 and response.content.startswith(b"-----BEGIN CERTIFICATE-----")
    again = tsa.SandboxAuthority()  # what another process (or a restart) derives
    assert again.root_pem() == response.content
    assert again.certificate == tsa.authority().certificate


# -- over real HTTP --------------------------------------------------------------------------------


def test_the_client_reaches_the_tsa_over_http(live_server, monkeypatch):
    monkeypatch.setattr(timestamping, "post_query", REAL_POST_QUERY)
    monkeypatch.setattr(timestamping, "fetch_ca_document", REAL_FETCH_CA)
    with override_settings(
        TSA_URL=f"{live_server.url}/sandbox/tsa/", TSA_CA_URL=f"{live_server.url}/sandbox/tsa/ca.pem"
    ):
        token = timestamping.timestamp(b"over the wire")
        assert timestamping.verify_timestamp(token, b"over the wire")


def test_tokens_are_made_and_checked_where_an_event_loop_already_runs():
    """As in the browser tests (Playwright's synchronous API runs a loop in the test's thread)."""

    async def inside_a_loop():
        token = timestamping.timestamp(b"from async code")
        return timestamping.verify_timestamp(token, b"from async code")

    assert run_coroutine(inside_a_loop) is not None
