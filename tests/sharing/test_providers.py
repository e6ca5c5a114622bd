import uuid

import pytest
from django.urls import reverse
from django.utils import translation
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
