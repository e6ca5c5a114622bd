"""The sandbox agencies against their own OpenAPI document (/sandbox/openapi.json), with
schemathesis over real HTTP (live_server): no server error, and every answer documented
(status, content type, headers, body schema).

Schemathesis generates the requests from the document: path parameters, the Request-Timeout
header and JWS-shaped bodies (which the agencies refuse). Half the item requests carry a body
validly signed by the portal over a generated ShareRequest (items, subjects, fields, purposes,
offices and timestamps drawn from the catalogue and beyond), so the answered, refused and
replayed paths are exercised too; an answer is decrypted and its signed payload checked
against the document's ShareResponse schema.
"""

from __future__ import annotations

import json
import time
import uuid

import jsonschema
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sharing import demo_catalogue
from tests.sandbox.helpers import LEGAL_BASIS, USING_AGENCY, affair_code_for, open_answer, sign, use_id_for

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
ITEMS = {item["code"]: item for item in demo_catalogue.ITEMS}


@schemathesis.serializer("application/jose")
def _serialize_jose(ctx, value):
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


@schemathesis.deserializer("application/jose")
def _deserialize_jose(ctx, response):
    return response.content.decode("ascii")  # a compact JWE: validated against its pattern


@schemathesis.deserializer("application/jwk-set+json")
def _deserialize_jwks(ctx, response):
    return json.loads(response.content)


@st.composite
def signed_requests(draw, *, item_code: str, people: list[dict]) -> tuple[dict, str]:
    """A ShareRequest signed with the portal's key: three times in four a plausible one (the
    item's subject, fields and purpose, a granted office, the current time), else one member
    set wrong or missing."""
    item = ITEMS.get(item_code) or ITEMS[draw(st.sampled_from(sorted(ITEMS)))]
    person = draw(st.sampled_from(people))
    ids = {
        "person": person["rrn"],
        "parcel": person["pnu"],
        "building": person["building_id"],
        "vehicle": person["plate"],
    }
    kind = item["subject_kind"]
    known_fields = [spec["key"] for spec in item["fields"]]
    body = {
        "v": 1,
        "txn_id": str(uuid.uuid4()),
        "timestamp": int(time.time()),
        "item": item_code,
        "subject": {"kind": kind, "id": ids[kind]},
        "fields": draw(st.lists(st.sampled_from(known_fields), min_size=1, max_size=4, unique=True)),
        "purpose": draw(st.sampled_from(item["purposes"])),
        "case_ref": "2026-0000123",
        "office": draw(st.sampled_from(["jongno", "gangnam"])),
        "requester": draw(st.sampled_from([{"kind": "official", "id": "JN-2041"}, {"kind": "system", "id": None}])),
        "using_agency": USING_AGENCY,
        "legal_basis": LEGAL_BASIS,
    }
    # Under the sandbox tests' approved use of the item and purpose (tests/sandbox/helpers.py).
    body["use_id"] = use_id_for(item_code, body["purpose"])
    body["affair_code"] = affair_code_for(item_code, body["purpose"])
    if draw(st.integers(0, 3)) == 0:
        wrong = draw(st.sampled_from(["subject", "fields", "purpose", "using_agency", "timestamp", "missing", "kind"]))
        if wrong == "subject":
            body["subject"]["id"] = draw(st.text(max_size=20))
        elif wrong == "kind":
            body["subject"]["kind"] = draw(st.sampled_from(["person", "parcel", "building", "vehicle", "planet"]))
        elif wrong == "fields":
            body["fields"] = draw(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=2, unique=True))
        elif wrong == "purpose":
            body["purpose"] = draw(st.sampled_from(sorted(demo_catalogue.PURPOSES)))
        elif wrong == "using_agency":
            body["using_agency"] = "nowhere"
        elif wrong == "timestamp":
            body["timestamp"] -= 3600
        else:
            del body[draw(st.sampled_from(sorted(body)))]
    return body, sign(body)


@pytest.fixture
def sandbox_schema(sandbox_agencies):
    return schemathesis.openapi.from_url(f"{sandbox_agencies.url}/sandbox/openapi.json")


def _share_response_schema(raw_schema: dict) -> dict:
    return {"$ref": "#/components/schemas/ShareResponse", "components": raw_schema["components"]}


def test_the_sandbox_answers_as_its_openapi_document_says(sandbox_agencies, sandbox_schema):
    base_url = f"{sandbox_agencies.url}/sandbox"
    share_response = _share_response_schema(sandbox_schema.raw_schema)
    operations = [result.ok() for result in sandbox_schema.get_all_operations()]
    assert {op.definition.raw.get("operationId") for op in operations} >= {
        "shareItem",
        "agencyDescription",
        "agencyKeys",
    }
    seen_statuses: dict[str, set[int]] = {}

    for operation in operations:
        operation_id = operation.definition.raw.get("operationId")
        is_share = operation_id == "shareItem"

        @settings(
            max_examples=40 if is_share else 15,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(), data=st.data())
        def exercise(case, data):
            signed_payload = None
            if is_share and data.draw(st.integers(0, 2), label="signed") > 0:
                item = ITEMS.get(case.path_parameters["item"])
                if item is not None and data.draw(st.integers(0, 4), label="owning agency") > 0:
                    case.path_parameters["agency"] = item["agency"]
                signed_payload, case.body = data.draw(
                    signed_requests(item_code=case.path_parameters["item"], people=sandbox_agencies.people),
                    label="signed request",
                )
            response = case.call(base_url=base_url, timeout=30)
            case.validate_response(response, checks=CHECKS)
            seen_statuses.setdefault(operation_id, set()).add(response.status_code)
            if response.status_code == 200 and signed_payload is not None:
                answer = open_answer(response.text, case.path_parameters["agency"])
                jsonschema.validate(answer, share_response)
                assert answer["txn_id"] == signed_payload["txn_id"]
                assert sorted(answer["fields"]) == sorted(signed_payload["fields"])

        exercise()

    # The generated traffic reached the interesting answers, not only the refusals.
    assert 200 in seen_statuses["shareItem"], seen_statuses
    assert {400, 401} & seen_statuses["shareItem"] and {403, 404} & seen_statuses["shareItem"], seen_statuses
    assert 200 in seen_statuses["agencyDescription"] and 200 in seen_statuses["agencyKeys"], seen_statuses
