"""The OpenAPI schema's shared parts (drf-spectacular hooks): only /api/v1/ is described,
and every operation documents its problem-details errors."""

from __future__ import annotations

from django.utils.translation import gettext as _

PROBLEM_STATUSES = {
    "400": "Invalid request",
    "401": "Authentication needed",
    "403": "Not allowed",
    "404": "Not found",
    "405": "Method not allowed",
    "406": "Not acceptable",
    "429": "Too many requests",
}
# Operations that may answer 410 (a submission withdrawn or past its end).
GONE_OPERATIONS = {"agency_inbox_retrieve", "agency_inbox_file"}


def only_the_api(endpoints):
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


def _problem_schema() -> dict:
    return {
        "type": "object",
        "description": _("A problem detail (RFC 9457); title and detail are in the request's language."),
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"field": {"type": "string"}, "detail": {"type": "string"}},
                    "required": ["field", "detail"],
                },
            },
        },
        "required": ["type", "title", "status", "detail"],
    }


def add_problem_responses(result, generator, request, public):
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = _problem_schema()
    reference = {"$ref": "#/components/schemas/Problem"}
    titles = {
        "400": _("Invalid request"),
        "401": _("Authentication needed"),
        "403": _("Not allowed"),
        "404": _("Not found"),
        "405": _("Method not allowed"),
        "406": _("Not acceptable"),
        "429": _("Too many requests"),
        "410": _("Gone"),
    }
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            codes = [*PROBLEM_STATUSES, "410"] if operation.get("operationId") in GONE_OPERATIONS else PROBLEM_STATUSES
            for code in codes:
                responses.setdefault(
                    code,
                    {
                        "description": titles[code],
                        "content": {"application/problem+json": {"schema": reference}},
                        **({"headers": {"Retry-After": {"schema": {"type": "integer"}}}} if code == "429" else {}),
                    },
                )
    return result
