"""The sandbox agencies over real HTTP (live_server): a round trip per item and every refusal."""

import base64
import time
import uuid

import httpx
import pytest
from joserfc.jwk import ECKey

from sharing import demo_catalogue
from sharing.sandbox.models import SeenTransaction

from .helpers import OMIT, ask, open_answer, payload, post, sign, use_id_for

ITEMS = {item["code"]: item for item in demo_catalogue.ITEMS}


def subject_for(item: dict, person: dict) -> dict:
    kind = item["subject_kind"]
    ids = {
        "person": person["rrn"],
        "parcel": person["pnu"],
        "building": person["building_id"],
        "vehicle": person["plate"],
        "business": person["business_number"],
    }
    return {"kind": kind, "id": ids[kind]}


@pytest.mark.parametrize("item_code", list(ITEMS))
def test_round_trip_per_item_answers_exactly_the_requested_fields(sandbox_agencies, item_code):
    item = ITEMS[item_code]
    citizen1, citizen2 = sandbox_agencies.people
    person = citizen2 if item_code in ("business_registration", "business_status") else citizen1
    fields = [spec["key"] for spec in item["fields"]][:3]
    body = payload(item=item_code, subject=subject_for(item, person), fields=fields, purpose=item["purposes"][0])
    response = post(sandbox_agencies.item_url(item["agency"], item_code), sign(body))
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/jose"
    answer = open_answer(response.text, item["agency"])
    assert answer["txn_id"] == body["txn_id"] and answer["item"] == item_code
    assert answer["agency"] == item["agency"] and answer["subject"] == body["subject"] and answer["v"] == 1
    assert list(answer["fields"]) == fields


def test_the_demo_citizen_has_refunds_waiting_at_three_agencies(sandbox_agencies):
    rrn = sandbox_agencies.people[0]["rrn"]
    for agency, item in (("mois", "local_tax_refunds"), ("nts", "national_tax_refunds"), ("nhis", "premium_refunds")):
        response = ask(
            sandbox_agencies,
            agency,
            item,
            subject={"kind": "person", "id": rrn},
            fields=["name", "refund_count", "refund_total", "refunds"],
            purpose="P-REFUND-INQUIRY",
            office=demo_catalogue.PORTAL_OFFICE_CODE,
            requester={"kind": "system", "id": None},
        )
        assert response.status_code == 200, response.text
        fields = open_answer(response.text, agency)["fields"]
        assert fields["name"] == "김민원" and fields["refund_count"] >= 1
        assert fields["refund_total"] == sum(refund["amount"] for refund in fields["refunds"])


def test_the_resident_abstract_holds_the_register_values(sandbox_agencies):
    person = sandbox_agencies.people[0]
    response = ask(
        sandbox_agencies,
        "mois",
        "resident_abstract",
        fields=["name", "rrn", "address", "move_in_date", "district_code", "address_history"],
    )
    fields = open_answer(response.text, "mois")["fields"]
    assert fields["name"] == person["name"] and fields["rrn"] == person["rrn"]
    assert fields["address"].startswith("서울특별시 종로구 자하문로") and fields["district_code"] == "11110"
    assert fields["move_in_date"] == "2019-03-02"
    assert fields["address_history"][-1] == {"address": fields["address"], "moved_in": "2019-03-02", "moved_out": None}


def refusal(response: httpx.Response) -> tuple[int, str]:
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["message"]
    return response.status_code, body["error"]


def test_a_signature_by_another_key_is_refused(sandbox_agencies):
    stranger = ECKey.generate_key("P-256", private=True)
    from sharing import keys

    body = sign(payload(), key=stranger, header={"kid": keys.signing_key().kid})
    assert refusal(post(sandbox_agencies.item_url("mois", "resident_abstract"), body)) == (401, "bad_signature")
    unknown_kid = sign(payload(), key=stranger, header={"kid": "nobody"})
    assert refusal(post(sandbox_agencies.item_url("mois", "resident_abstract"), unknown_kid)) == (401, "bad_signature")


def test_a_payload_changed_after_signing_is_refused(sandbox_agencies):
    token = sign(payload()).split(".")
    other = sign(payload(subject={"kind": "person", "id": "920315-2345678"})).split(".")
    forged = ".".join([token[0], other[1], token[2]])
    assert refusal(post(sandbox_agencies.item_url("mois", "resident_abstract"), forged)) == (401, "bad_signature")


# Five seconds past the 300 s skew: the timestamp is a whole second and the request takes time to
# arrive (+301 from a truncated clock arrived 0.4 s late is only 299.7 s ahead).
@pytest.mark.parametrize("offset", [-305, 305, -3600])
def test_a_stale_timestamp_is_refused(sandbox_agencies, offset):
    response = ask(sandbox_agencies, "mois", "resident_abstract", timestamp=int(time.time()) + offset)
    assert refusal(response) == (401, "stale_timestamp")


def test_a_replayed_transaction_is_refused_and_remembered(sandbox_agencies):
    body = sign(payload())
    url = sandbox_agencies.item_url("mois", "resident_abstract")
    assert post(url, body).status_code == 200
    assert refusal(post(url, body)) == (409, "replayed_txn")
    assert SeenTransaction.objects.filter(agency_code="mois").count() == 1


PARKING_USE = use_id_for("resident_abstract", "P-PARKING")
ANOTHER_USE = str(uuid.UUID("00000000-0000-4000-8000-00000000abcd"))


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"use_id": ANOTHER_USE}, ANOTHER_USE),
        ({"using_agency": "busan-jung"}, "busan-jung"),
        ({"use_id": PARKING_USE, "purpose": "P-REFUND-INQUIRY"}, "P-REFUND-INQUIRY"),
        ({"fields": ["name", "rrn", "favourite_colour"]}, "favourite_colour"),
        ({"use_id": use_id_for("local_tax_refunds", "P-REFUND-INQUIRY")}, "'resident_abstract'"),
        ({"affair_code": "OTHER-AFFAIR-01"}, "OTHER-AFFAIR-01"),
        ({"legal_basis": "주차장법 제10조"}, "another legal basis"),
    ],
)
def test_a_request_outside_its_approved_use_is_refused_naming_what_is_not_approved(sandbox_agencies, overrides, named):
    response = ask(sandbox_agencies, "mois", "resident_abstract", **overrides)
    assert refusal(response) == (403, "not_approved")
    assert named in response.json()["message"]


def test_an_item_of_another_agency_or_no_item_is_unknown(sandbox_agencies):
    assert refusal(ask(sandbox_agencies, "nts", "resident_abstract")) == (404, "unknown_item")
    assert refusal(ask(sandbox_agencies, "mois", "no_such_item")) == (404, "unknown_item")
    assert refusal(ask(sandbox_agencies, "nowhere", "resident_abstract")) == (404, "unknown_agency")


def test_a_subject_without_a_record_is_not_found(sandbox_agencies):
    response = ask(sandbox_agencies, "mois", "resident_abstract", subject={"kind": "person", "id": "010101-3000000"})
    assert refusal(response) == (404, "subject_not_found")
    # Citizen 2 is a woman: the Military Manpower Administration has no record of her.
    response = ask(
        sandbox_agencies,
        "mma",
        "military_service_record",
        purpose="P-PASSPORT",
        fields=["name"],
        subject={"kind": "person", "id": sandbox_agencies.people[1]["rrn"]},
    )
    assert refusal(response) == (404, "subject_not_found")


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not a jws",
        b"\xff\xfe.\x00.\x01",
        b"a.b.c",
        b"e30.e30.e30",
        b"{}",
    ],
)
def test_bodies_that_are_not_a_jws_are_malformed(sandbox_agencies, body):
    assert refusal(post(sandbox_agencies.item_url("mois", "resident_abstract"), body)) == (400, "malformed_request")


@pytest.mark.parametrize(
    "change",
    [
        {"v": 2},
        {"txn_id": "not-a-uuid"},
        {"timestamp": "yesterday"},
        {"timestamp": True},
        {"subject": {"kind": "planet", "id": "x"}},
        {"subject": {"kind": "person", "id": "9001011234567"}},
        {"subject": {"kind": "parcel", "id": "1111010100109410000"}},
        {"fields": []},
        {"fields": ["name", "name"]},
        {"fields": "name"},
        {"requester": {"kind": "robot", "id": None}},
        {"requester": {"kind": "system", "id": "JN-1"}},
        {"purpose": ""},
        {"use_id": "not-a-uuid"},
        {"use_id": OMIT},
        {"using_agency": ""},
        {"using_agency": OMIT},
        {"affair_code": "lower-case-01"},
        {"affair_code": OMIT},
        {"legal_basis": ""},
        {"legal_basis": "법" * 301},
        {"legal_basis": OMIT},
    ],
)
def test_signed_payloads_that_break_the_protocol_are_malformed(sandbox_agencies, change):
    assert refusal(ask(sandbox_agencies, "mois", "resident_abstract", **change)) == (400, "malformed_request")


def test_missing_members_and_non_object_payloads_are_malformed(sandbox_agencies):
    url = sandbox_agencies.item_url("mois", "resident_abstract")
    incomplete = payload()
    del incomplete["fields"]
    response = post(url, sign(incomplete))
    assert refusal(response) == (400, "malformed_request") and "fields" in response.json()["message"]
    assert refusal(post(url, sign(b"[1, 2]"))) == (400, "malformed_request")
    assert refusal(post(url, sign(b"\x00 not json"))) == (400, "malformed_request")
    assert refusal(post(url, sign(payload(), header={"typ": "JWT"}))) == (400, "malformed_request")
    _, body, signature = sign(payload()).split(".")
    alg_none = base64.urlsafe_b64encode(b'{"alg":"none","typ":"share-request+jws"}').rstrip(b"=").decode()
    assert refusal(post(url, f"{alg_none}.{body}.{signature}")) == (400, "malformed_request")
    # The payload's item must be the item of the URL.
    assert refusal(post(url, sign(payload(item="resident_copy")))) == (400, "malformed_request")


def test_other_methods_and_oversized_bodies_are_refused(sandbox_agencies):
    url = sandbox_agencies.item_url("mois", "resident_abstract")
    response = httpx.get(url)
    assert refusal(response) == (405, "method_not_allowed") and response.headers["Allow"] == "POST"
    assert refusal(post(url, b"x" * 70_000))[0] == 413


def test_the_agency_publishes_its_keys_and_a_connection_check_lands(sandbox_agencies):
    jwks = httpx.get(f"{sandbox_agencies.base_url('molit')}jwks.json").json()
    assert jwks["keys"][0]["kty"] == "EC" and jwks["keys"][0]["use"] == "sig"
    root = httpx.get(sandbox_agencies.base_url("molit")).json()
    assert "building_ledger" in root["items"]
    assert httpx.get(f"{sandbox_agencies.url}/sandbox/agencies/nowhere/jwks.json").status_code == 404


def test_the_portal_agencies_point_at_the_sandbox_with_its_keys(sandbox_agencies):
    from sharing.models import Agency
    from sharing.sandbox.keys import agency_public_jwks

    for agency in Agency.objects.all():
        assert agency.base_url == sandbox_agencies.base_url(agency.code)
        assert agency.public_jwks == agency_public_jwks(agency.code)


def test_txn_ids_are_uuid_strings_in_any_case(sandbox_agencies):
    response = ask(sandbox_agencies, "mois", "resident_abstract", txn_id=str(uuid.uuid4()).upper())
    assert response.status_code == 200
