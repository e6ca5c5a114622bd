"""Answering a share request without HTTP: constant queries per item, exact fields, encryption."""

import time

import pytest

from sharing import demo_catalogue
from sharing.sandbox import demo
from sharing.sandbox.models import SandboxAgency
from sharing.sandbox.protocol import ProtocolError
from sharing.sandbox.services import share_request_answer

from .helpers import open_answer, payload, sign

ITEMS = {item["code"]: item for item in demo_catalogue.ITEMS}


@pytest.mark.parametrize("item_code", list(ITEMS))
def test_every_item_costs_a_few_queries_and_answers_all_its_fields(seeded, item_code, django_assert_max_num_queries):
    item = ITEMS[item_code]
    person = demo.DEMO_PEOPLE[1 if item_code in ("business_registration", "business_status") else 0]
    ids = {
        "person": person["rrn"],
        "parcel": person["pnu"],
        "building": person["building_id"],
        "vehicle": person["plate"],
        "business": person["business_number"],
    }
    fields = [spec["key"] for spec in item["fields"]]
    body = payload(
        item=item_code,
        subject={"kind": item["subject_kind"], "id": ids[item["subject_kind"]]},
        fields=fields,
        purpose=item["purposes"][0],
    )
    agency = SandboxAgency.objects.get(code=item["agency"])
    # savepoint + insert of the txn id + release, the approved use, at most three reads, now and then a prune
    with django_assert_max_num_queries(8):
        answer = share_request_answer(agency=agency, item_code=item_code, body=sign(body).encode(), now=time.time())
    opened = open_answer(answer.token, item["agency"])
    assert list(opened["fields"]) == fields
    assert opened["fields"]["name" if "name" in fields else fields[0]] is not None


def test_the_answer_is_encrypted_to_the_portals_current_key_and_names_it(seeded):
    import base64
    import json

    from sharing import keys

    agency = SandboxAgency.objects.get(code="mois")
    answer = share_request_answer(
        agency=agency, item_code="resident_abstract", body=sign(payload()).encode(), now=time.time()
    )
    header = json.loads(base64.urlsafe_b64decode(answer.token.split(".")[0] + "=="))
    assert (header["alg"], header["enc"], header["kid"]) == ("ECDH-ES", "A256GCM", keys.encryption_key().kid)
    assert "김민원" not in answer.token and len(answer.token.split(".")) == 5


def test_a_refusal_stores_the_transaction_so_it_cannot_be_replayed(seeded):
    agency = SandboxAgency.objects.get(code="mois")
    body = sign(payload(using_agency="nowhere")).encode()
    with pytest.raises(ProtocolError) as first:
        share_request_answer(agency=agency, item_code="resident_abstract", body=body, now=time.time())
    assert first.value.error == "not_approved"
    with pytest.raises(ProtocolError) as second:
        share_request_answer(agency=agency, item_code="resident_abstract", body=body, now=time.time())
    assert second.value.error == "replayed_txn"


OWNED_ITEMS = [code for code, item in ITEMS.items() if item["subject_kind"] != "person"]


@pytest.mark.parametrize("item_code", OWNED_ITEMS)
def test_an_answer_about_a_thing_names_its_owners_inside_the_signed_encrypted_payload(seeded, item_code):
    """Whose the record is, whether or not an owner field was asked for (PROTOCOL.md ``persons``)."""
    item = ITEMS[item_code]
    person = demo.DEMO_PEOPLE[1 if item_code == "business_status" else 0]
    ids = {
        "parcel": person["pnu"],
        "building": person["building_id"],
        "vehicle": person["plate"],
        "business": person["business_number"],
    }
    first_field = item["fields"][0]["key"]  # the identifier: no owner field among the asked
    body = payload(
        item=item_code,
        subject={"kind": item["subject_kind"], "id": ids[item["subject_kind"]]},
        fields=[first_field],
        purpose=item["purposes"][0],
    )
    agency = SandboxAgency.objects.get(code=item["agency"])
    answer = share_request_answer(agency=agency, item_code=item_code, body=sign(body).encode(), now=time.time())
    opened = open_answer(answer.token, item["agency"])  # verified against the agency's key
    assert list(opened["fields"]) == [first_field]
    # A zoning confirmation holds nobody's personal data; the others are the demo person's own.
    assert opened["persons"] == ([] if item_code == "land_use_plan" else [person["rrn"]])
    assert person["rrn"] not in answer.token  # encrypted: only the portal reads it


def test_another_residents_vehicle_names_that_resident(seeded):
    from sharing.sandbox.models import Vehicle

    vehicle = Vehicle.objects.exclude(plate=demo.DEMO_PEOPLE[0]["plate"]).select_related("owner").first()
    body = payload(
        item="vehicle_registration",
        subject={"kind": "vehicle", "id": vehicle.plate},
        fields=["plate", "model_name"],
        purpose="P-PARKING",
    )
    answer = share_request_answer(
        agency=SandboxAgency.objects.get(code="molit"),
        item_code="vehicle_registration",
        body=sign(body).encode(),
        now=time.time(),
    )
    assert open_answer(answer.token, "molit")["persons"] == [vehicle.owner.rrn]


def test_an_answer_about_a_person_leaves_the_owner_list_out(seeded):
    answer = share_request_answer(
        agency=SandboxAgency.objects.get(code="mois"),
        item_code="resident_abstract",
        body=sign(payload()).encode(),
        now=time.time(),
    )
    assert "persons" not in open_answer(answer.token, "mois")
