import base64
import datetime
import json
import uuid
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import translation
from joserfc import jws
from joserfc.jwk import KeySet

from sharing import keys
from sharing.providers import BaseProvider, ProviderRequest, Registry, errors, registry
from sharing.providers.standard_http import StandardHttpProvider


def _request(agency, *, fields=("name", "address"), txn_id=None, timestamp=None):
    import time

    return ProviderRequest(
        agency=agency,
        item_code="resident_abstract",
        subject_kind="person",
        subject_id="900101-1234567",
        fields=tuple(fields),
        purpose_code="P-PENSION",
        case_ref="2026-0000001",
        office_code="jongno",
        requester_kind="system",
        requester_id=None,
        txn_id=txn_id or str(uuid.uuid4()),
        timestamp=timestamp or int(time.time()),
    )


def test_registry_refuses_duplicate_identifiers():
    local = Registry()

    @local("demo")
    class Demo(BaseProvider):
        verbose_name = "demo"

    assert isinstance(local["demo"], Demo) and "demo" in local
    with pytest.raises(ValueError, match="already registered"):

        @local("demo")
        class Again(BaseProvider):
            pass


def test_standard_provider_is_registered():
    assert isinstance(registry["standard-http"], StandardHttpProvider)
    assert ("standard-http", "Standard connection over HTTP (JWS/JWE)") in [
        (identifier, str(name)) for identifier, name in registry.choices()
    ] or registry.choices()


@pytest.mark.django_db
def test_round_trip_returns_only_the_requested_fields(agency, fake_agency):
    fake_agency.values = {"name": "김민원", "address": "서울특별시 종로구 삼봉로 43"}
    response = StandardHttpProvider().fetch(_request(agency))
    assert response.fields == {"name": "김민원", "address": "서울특별시 종로구 삼봉로 43"}
    assert response.agency_code == "fake" and response.issued_at is not None
    sent = fake_agency.requests[-1]
    assert sent["fields"] == ["name", "address"] and sent["subject"] == {"kind": "person", "id": "900101-1234567"}
    assert sent["requester"] == {"kind": "system", "id": None} and sent["office"] == "jongno"
    assert sent["v"] == 1 and sent["case_ref"] == "2026-0000001" and sent["purpose"] == "P-PENSION"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("behaviour", "error", "code"),
    [
        ("tampered", errors.BadSignature, "bad_signature"),
        ("undecryptable", errors.Undecryptable, "undecryptable"),
        ("wrong_txn", errors.TxnMismatch, "txn_mismatch"),
        ("extra_field", errors.UnexpectedFields, "unexpected_fields"),
        ("missing_field", errors.UnexpectedFields, "unexpected_fields"),
        ("malformed_body", errors.MalformedResponse, "malformed_response"),
        ("not_json", errors.MalformedResponse, "malformed_response"),
        ("not_granted", errors.Refused, "not_granted"),
        ("status:404:subject_not_found", errors.Refused, "subject_not_found"),
        ("status:503:unavailable", errors.AgencyUnavailable, "unavailable"),
        ("status:500:internal", errors.AgencyServerError, "agency_error"),
        ("status:502:bad_gateway", errors.AgencyServerError, "agency_error"),
        ("status:400:malformed_request", errors.RequestRejected, "malformed_request"),
        ("status:401:bad_signature", errors.RequestRejected, "request_signature_rejected"),
        ("status:418:teapot", errors.RequestRejected, "http_error"),
        ("close", errors.ConnectionFailed, "connection_error"),
        ("sleep:1.5", errors.AgencyTimeout, "timeout"),
    ],
)
def test_each_fault_raises_its_own_error(agency, fake_agency, behaviour, error, code):
    fake_agency.script(behaviour)
    with pytest.raises(error) as excinfo:
        StandardHttpProvider().fetch(_request(agency))
    assert excinfo.value.code == code
    assert excinfo.value.retryable == (code in {"unavailable", "agency_error", "connection_error", "timeout"})
    assert excinfo.value.refusal == (code in {"not_granted", "subject_not_found"})


@pytest.mark.django_db
def test_refusal_keeps_the_agency_reason(agency, fake_agency):
    fake_agency.script("not_granted")
    with pytest.raises(errors.Refused) as excinfo:
        StandardHttpProvider().fetch(_request(agency))
    assert "may not ask" in excinfo.value.detail


@pytest.mark.django_db
def test_agency_refuses_a_replayed_transaction(agency, fake_agency):
    request = _request(agency)
    StandardHttpProvider().fetch(request)
    with pytest.raises(errors.RequestRejected) as excinfo:
        StandardHttpProvider().fetch(request)
    assert excinfo.value.code == "replayed_txn"


@pytest.mark.django_db
def test_connection_refused_is_a_connection_error(agency):
    agency.base_url = "http://127.0.0.1:9/agencies/nowhere/"
    with pytest.raises(errors.ConnectionFailed):
        StandardHttpProvider().fetch(_request(agency))


@pytest.mark.django_db
def test_answers_from_a_rotated_agency_key_verify_with_both_keys_listed(agency, fake_agency):
    old_jwks = fake_agency.public_jwks()
    fake_agency.signing_key, fake_agency.other_key = fake_agency.other_key, fake_agency.signing_key
    agency.public_jwks = {"keys": old_jwks["keys"] + fake_agency.public_jwks()["keys"]}
    assert StandardHttpProvider().fetch(_request(agency)).fields
    agency.public_jwks = old_jwks
    with pytest.raises(errors.BadSignature):
        StandardHttpProvider().fetch(_request(agency))


@pytest.mark.django_db
def test_check_config(agency, fake_agency):
    with translation.override("en"):
        _check_config(agency, fake_agency)


def _check_config(agency, fake_agency):
    provider = StandardHttpProvider()
    provider.check_config(agency)  # reachable and configured
    agency.public_jwks = {}
    with pytest.raises(errors.ProviderConfigurationError, match="EC P-256"):
        provider.check_config(agency)
    agency.public_jwks = fake_agency.public_jwks()
    agency.base_url = "http://127.0.0.1:9/agencies/x/"
    with pytest.raises(errors.ProviderConfigurationError):
        provider.check_config(agency)
    agency.base_url = "ftp://example.org/"
    with pytest.raises(errors.ProviderConfigurationError):
        provider.check_config(agency)


def test_jwks_endpoint_publishes_the_portal_public_keys(client, db):
    response = client.get(reverse("sharing:jwks"))
    assert response.status_code == 200
    body = response.json()
    assert body == keys.public_jwks()
    assert all("d" not in key for key in body["keys"])
    assert {key["use"] for key in body["keys"]} == {"sig", "enc"}
    KeySet.import_key_set(body)


@pytest.mark.django_db
def test_answers_encrypted_to_a_previous_portal_key_still_open(agency, fake_agency, settings, tmp_path):
    """Rotation of the portal's encryption key: the new key is listed first, the old one still decrypts."""
    old_file, new_file = tmp_path / "enc-old.pem", tmp_path / "enc-new.pem"
    settings.PORTAL_ENCRYPTION_KEY_FILES = [str(old_file)]
    old_kid = keys.encryption_key().kid
    settings.PORTAL_ENCRYPTION_KEY_FILES = [str(new_file), str(old_file)]
    assert keys.encryption_key().kid != old_kid

    original = keys.encryption_key
    try:
        # The agency still encrypts to the key it knew before the rotation.
        keys.encryption_key = lambda: keys.encryption_keys()[1]
        assert StandardHttpProvider().fetch(_request(agency)).fields
    finally:
        keys.encryption_key = original


# --- the request token and the checks of an answer, with expectations written out by hand ---------


def _hand_request(**changes):
    values = {
        "agency": SimpleNamespace(code="fake"),
        "item_code": "resident_abstract",
        "subject_kind": "person",
        "subject_id": "900101-1234567",
        "fields": ("name", "address"),
        "purpose_code": "P-PENSION",
        "case_ref": "민원-2026-7",
        "office_code": "jongno",
        "requester_kind": "official",
        "requester_id": "OF-7",
        "txn_id": "txn-1",
        "timestamp": 1_700_000_000,
        "use_id": "3f1c2a9e-6b1d-4c55-9a43-2d0f6e7b8a10",
        "using_agency_code": "seoul-jongno",
        "affair_code": "LOCAL-PENSION-01",
        "legal_basis": "기초연금법 제11조",
    }
    return ProviderRequest(**(values | changes))


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def test_the_request_token_is_the_request_signed_by_the_portal_in_compact_json():
    token = StandardHttpProvider().build_request_token(_hand_request())
    header, payload, _signature = token.split(".")
    assert json.loads(_b64decode(header)) == {
        "alg": "ES256",
        "kid": keys.signing_key().kid,
        "typ": "share-request+jws",
    }
    expected = (
        '{"v":1,"txn_id":"txn-1","timestamp":1700000000,"item":"resident_abstract",'
        '"subject":{"kind":"person","id":"900101-1234567"},"fields":["name","address"],'
        '"purpose":"P-PENSION","case_ref":"민원-2026-7","office":"jongno",'
        '"requester":{"kind":"official","id":"OF-7"},'
        '"use_id":"3f1c2a9e-6b1d-4c55-9a43-2d0f6e7b8a10","using_agency":"seoul-jongno",'
        '"affair_code":"LOCAL-PENSION-01","legal_basis":"기초연금법 제11조"}'
    )
    assert _b64decode(payload) == expected.encode("utf-8")
    public = KeySet.import_key_set({"keys": [keys.signing_key().as_dict(private=False)]})
    verified = jws.deserialize_compact(token, public, algorithms=["ES256"])
    assert verified.payload == expected.encode("utf-8")


def _answer(**changes):
    answer = {
        "v": 1,
        "txn_id": "txn-1",
        "item": "resident_abstract",
        "fields": {"address": "서울특별시 종로구 삼봉로 43", "name": "김민원"},
    }
    return {key: value for key, value in (answer | changes).items() if value is not ...}


def test_a_complete_answer_is_read_in_the_order_of_the_asked_fields():
    answer = _answer(
        subject={"kind": "person", "id": "900101-1234567"},
        issued_at=1_700_000_000,
        agency="fake",
        persons=["900101-1234567"],
    )
    response = StandardHttpProvider()._validated(answer, _hand_request())
    assert response.txn_id == "txn-1" and response.item_code == "resident_abstract"
    assert response.agency_code == "fake"
    assert list(response.fields.items()) == [("name", "김민원"), ("address", "서울특별시 종로구 삼봉로 43")]
    assert response.issued_at == datetime.datetime(2023, 11, 14, 22, 13, 20, tzinfo=datetime.UTC)
    assert response.persons == ("900101-1234567",)


def test_an_answer_without_the_optional_members_is_read():
    response = StandardHttpProvider()._validated(_answer(), _hand_request())
    assert response.issued_at is None and response.persons == () and response.agency_code == "fake"


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        (["not", "an", "object"], errors.MalformedResponse, "not a version 1 answer"),
        (_answer(v=2), errors.MalformedResponse, "not a version 1 answer"),
        (_answer(v=...), errors.MalformedResponse, "not a version 1 answer"),
        (_answer(fields=["name", "address"]), errors.MalformedResponse, "missing txn_id or fields"),
        (_answer(fields=...), errors.MalformedResponse, "missing txn_id or fields"),
        (_answer(txn_id=...), errors.MalformedResponse, "missing txn_id or fields"),
        (_answer(txn_id=1), errors.MalformedResponse, "missing txn_id or fields"),
        (_answer(txn_id="txn-2"), errors.TxnMismatch, "the answer names another transaction"),
        (_answer(item="vehicle"), errors.MalformedResponse, "the answer names another item"),
        (_answer(item=...), errors.MalformedResponse, "the answer names another item"),
        (_answer(subject="900101-1234567"), errors.MalformedResponse, "the answer names another subject"),
        (
            _answer(subject={"kind": "vehicle", "id": "900101-1234567"}),
            errors.MalformedResponse,
            "the answer names another subject",
        ),
        (
            _answer(subject={"kind": "person", "id": "800101-2234567"}),
            errors.MalformedResponse,
            "the answer names another subject",
        ),
        (
            _answer(fields={"name": "김민원", "address": "서울", "rrn": "900101-1234567"}),
            errors.UnexpectedFields,
            "unasked: ['rrn'], missing: []",
        ),
        (_answer(fields={"name": "김민원"}), errors.UnexpectedFields, "unasked: [], missing: ['address']"),
        (_answer(issued_at="yesterday"), errors.MalformedResponse, "issued_at is not a timestamp"),
        (_answer(agency="other"), errors.MalformedResponse, "the answer names another agency"),
    ],
)
def test_each_fault_of_an_answer_is_refused_saying_which(answer, error, message):
    with pytest.raises(error) as excinfo:
        StandardHttpProvider()._validated(answer, _hand_request())
    assert type(excinfo.value) is error and str(excinfo.value) == message
