"""Runs schemathesis over the portal's own /api/v1/schema/ in process (WSGI): every generated
request answered without a server error and as the schema says (status, content type,
headers, body)."""

from __future__ import annotations

import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
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
    """The schema, read through the WSGI handler; the handler keeps the test's connection open
    (as Django's test client does) until ``exercise`` is done."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    return schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())


def exercise(schema, *, paths, headers=None, max_examples=25, prepare=None) -> dict[str, set[int]]:
    """Calls every operation under ``paths`` (prefixes); returns the statuses seen per path."""
    seen: dict[str, set[int]] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    chosen = [op for op in operations if any(op.path.startswith(prefix) for prefix in paths)]
    assert chosen, f"no operation under {paths}"
    # As Django's test client does: the WSGI handler must not close the test's connection (it
    # holds the test's transaction) at the end of each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        for operation in chosen:
            _runner(operation, seen=seen, headers=headers, max_examples=max_examples, prepare=prepare)()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
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
