"""Each fault of a sandbox agency, over real HTTP, and the repeatability of its draws."""

import json

import httpx
import pytest
from joserfc import jws
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet

from sharing.sandbox import faults
from sharing.sandbox.keys import agency_public_jwks
from sharing.sandbox.models import SandboxAgency

from .factories import SandboxAgencyFactory
from .helpers import ask, decrypt, open_answer, payload, post, sign


@pytest.fixture
def sleeps(monkeypatch):
    """Records the delays the agency (in the live server's thread) would sleep, without sleeping."""
    recorded = []
    monkeypatch.setattr(faults, "sleep", recorded.append)
    return recorded


def test_latency_is_fixed_plus_a_random_part_drawn_per_transaction(sandbox_agencies, sleeps):
    sandbox_agencies.set_faults("mois", latency_ms=100, jitter_ms=50)
    first = payload()
    response = post(sandbox_agencies.item_url("mois", "resident_abstract"), sign(first))
    assert response.status_code == 200
    assert len(sleeps) == 1 and 0.100 <= sleeps[0] < 0.150
    agency = SandboxAgency.objects.get(code="mois")
    assert faults.plan_for(agency, first["txn_id"]).delay_seconds == sleeps[0]  # the same draw again
    assert len({faults.plan_for(agency, f"txn-{n}").delay_seconds for n in range(20)}) > 10


def test_latency_really_delays_the_answer(sandbox_agencies):
    sandbox_agencies.set_faults("mois", latency_ms=1500)
    with pytest.raises(httpx.ReadTimeout):
        ask(sandbox_agencies, "mois", "resident_abstract", timeout=0.3)


def test_error_rate_one_answers_503_and_a_rate_is_repeatable_per_transaction(sandbox_agencies):
    sandbox_agencies.set_faults("nts", error_rate=1.0)
    response = ask(sandbox_agencies, "nts", "tax_payment_certificate", purpose="P-LAND-DEAL", fields=["name"])
    assert response.status_code == 503 and response.json()["error"] == "unavailable"
    sandbox_agencies.set_faults("nts", error_rate=0.5)
    agency = SandboxAgency.objects.get(code="nts")
    outcomes = [faults.plan_for(agency, f"txn-{n}").error for n in range(400)]
    assert 150 < sum(outcomes) < 250
    assert outcomes == [faults.plan_for(agency, f"txn-{n}").error for n in range(400)]
    # Over HTTP: a request drawn to fail fails, one drawn to pass passes.
    for fails, status in ((True, 503), (False, 200)):
        body = payload(item="tax_payment_certificate", purpose="P-LAND-DEAL", fields=["name"])
        body["txn_id"] = _uuid_drawing(agency, "error", want=fails)
        assert post(sandbox_agencies.item_url("nts", "tax_payment_certificate"), sign(body)).status_code == status


def _uuid_drawing(agency, what: str, *, want: bool) -> str:
    import uuid

    rate = agency.error_rate if what == "error" else agency.timeout_rate
    for n in range(1000):
        candidate = str(uuid.UUID(int=n + 1, version=4))
        if (faults.draw(agency.code, candidate, what) < rate) == want:
            return candidate
    raise AssertionError("no txn id draws that way")


def test_a_timed_out_request_gets_no_answer_within_the_clients_timeout(sandbox_agencies):
    sandbox_agencies.set_faults("nhis", timeout_rate=1.0, timeout_ms=1500)
    with pytest.raises(httpx.ReadTimeout):
        ask(sandbox_agencies, "nhis", "premium_refunds", timeout=0.3, purpose="P-REFUND-INQUIRY", fields=["name"])


def test_a_timed_out_request_is_held_past_the_clients_timeout_then_answered_504(sandbox_agencies, sleeps):
    from sharing.models import Agency

    Agency.objects.filter(code="nhis").update(timeout_seconds=2.5)
    sandbox_agencies.set_faults("nhis", timeout_rate=1.0)
    response = ask(sandbox_agencies, "nhis", "premium_refunds", purpose="P-REFUND-INQUIRY", fields=["name"])
    assert response.status_code == 504 and response.json()["error"] == "timeout"
    assert sleeps == [0.0, 3.5]  # no latency, then the portal's timeout for the agency plus one second
    response = post(
        sandbox_agencies.item_url("nhis", "premium_refunds"),
        sign(payload(item="premium_refunds", purpose="P-REFUND-INQUIRY", fields=["name"])),
        headers={"Request-Timeout": "1.5"},
    )
    assert sleeps[-1] == 2.5


def test_hold_falls_back_to_the_setting(db, settings):
    settings.SANDBOX_TIMEOUT_HOLD_SECONDS = 7
    agency = SandboxAgencyFactory(code="mma", name_ko="병무청", name_en="MMA")
    assert faults.timeout_hold_seconds(agency, None) == 8.0
    assert faults.timeout_hold_seconds(agency, "nonsense") == 8.0
    agency.timeout_ms = 1200
    assert faults.timeout_hold_seconds(agency, "3") == 1.2


def test_a_tampered_signature_does_not_verify(sandbox_agencies):
    sandbox_agencies.set_faults("molit", tamper_signature=True)
    building_id = sandbox_agencies.people[0]["building_id"]
    response = ask(
        sandbox_agencies,
        "molit",
        "building_ledger",
        purpose="P-BLDG-USE",
        fields=["main_use"],
        subject={"kind": "building", "id": building_id},
    )
    assert response.status_code == 200
    with pytest.raises(BadSignatureError):
        jws.deserialize_compact(decrypt(response.text), KeySet.import_key_set(agency_public_jwks("molit")))
    sandbox_agencies.reset_faults("molit")
    response = ask(
        sandbox_agencies,
        "molit",
        "building_ledger",
        purpose="P-BLDG-USE",
        fields=["main_use"],
        subject={"kind": "building", "id": building_id},
    )
    assert open_answer(response.text, "molit")["fields"] == {"main_use": "단독주택"}


def test_a_malformed_body_is_signed_and_encrypted_but_not_json(sandbox_agencies):
    sandbox_agencies.set_faults("mois", malformed=True)
    response = ask(sandbox_agencies, "mois", "resident_abstract")
    assert response.status_code == 200
    signed = jws.deserialize_compact(decrypt(response.text), KeySet.import_key_set(agency_public_jwks("mois")))
    with pytest.raises(ValueError):
        json.loads(signed.payload)


def test_a_down_agency_closes_the_connection_without_an_answer(sandbox_agencies):
    sandbox_agencies.set_faults("scourt", down=True)
    with pytest.raises(httpx.TransportError):
        ask(sandbox_agencies, "scourt", "family_relation", purpose="P-PENSION", fields=["name"])
    with pytest.raises(httpx.TransportError):  # the connection check too
        httpx.get(sandbox_agencies.base_url("scourt"))
    sandbox_agencies.set_faults("scourt", down=False)
    assert ask(sandbox_agencies, "scourt", "family_relation", purpose="P-PENSION", fields=["name"]).status_code == 200


def test_faults_of_one_agency_leave_the_others_alone(sandbox_agencies):
    sandbox_agencies.set_faults("nts", error_rate=1.0, down=True)
    assert ask(sandbox_agencies, "mois", "resident_abstract").status_code == 200


def test_fault_settings_are_validated(sandbox_agencies):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        sandbox_agencies.set_faults("mois", error_rate=1.5)
    with pytest.raises(ValueError):
        sandbox_agencies.set_faults("mois", colour="red")
    assert SandboxAgency.objects.get(code="mois").error_rate == 0
