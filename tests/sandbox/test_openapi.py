"""The OpenAPI document of the protocol: valid, served, and listing every status the agencies answer."""

from openapi_spec_validator import validate

from sharing.sandbox.openapi import document


def test_the_document_is_valid_openapi():
    validate(document())


def test_it_is_served_and_lists_every_status_code(client, db):
    response = client.get("/sandbox/openapi.json")
    assert response.status_code == 200
    served = response.json()
    assert served == document()
    operation = served["paths"]["/agencies/{agency}/items/{item}/"]["post"]
    assert set(operation["responses"]) == {"200", "400", "401", "403", "404", "405", "409", "413", "503", "504"}
    errors = {
        code
        for response in operation["responses"].values()
        if "application/json" in response.get("content", {})
        for code in response["content"]["application/json"]["schema"]["allOf"][1]["properties"]["error"]["enum"]
    }
    assert {
        "malformed_request",
        "bad_signature",
        "stale_timestamp",
        "replayed_txn",
        "not_approved",
        "unknown_item",
        "subject_not_found",
        "unavailable",
    } <= errors
    schemas = served["components"]["schemas"]
    assert set(schemas["ShareRequest"]["required"]) == {
        "v",
        "txn_id",
        "timestamp",
        "item",
        "subject",
        "fields",
        "purpose",
        "case_ref",
        "office",
        "requester",
        "use_id",
        "using_agency",
        "affair_code",
        "legal_basis",
    }
    assert "/agencies/{agency}/" in served["paths"]
    assert "/agencies/{agency}/approvals/" in served["paths"]
