"""Runs schemathesis over the portal's own /api/v1/schema/ in process (WSGI): every generated
request answered without a server error and as the schema says (status, content type,
headers, body)."""

from __future__ import annotations

import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def api_schema():
    return schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())


def exercise(schema, *, paths, headers=None, max_examples=25, prepare=None) -> dict[str, set[int]]:
    """Calls every operation under ``paths`` (prefixes); returns the statuses seen per path."""
    seen: dict[str, set[int]] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    chosen = [op for op in operations if any(op.path.startswith(prefix) for prefix in paths)]
    assert chosen, f"no operation under {paths}"
    for operation in chosen:
        _runner(operation, seen=seen, headers=headers, max_examples=max_examples, prepare=prepare)()
    return seen


def _runner(operation, *, seen, headers, max_examples, prepare):
    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case):
        if prepare is not None:
            prepare(case)
        response = case.call(headers=headers or {})
        case.validate_response(response, checks=CHECKS)
        seen.setdefault(operation.path, set()).add(response.status_code)

    return run
