"""Errors as problem details (RFC 9457): ``application/problem+json`` with a translated
``title`` (per status) and ``detail`` (what went wrong), in the language of the request."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"


def _titles() -> dict[int, str]:
    return {
        400: _("Invalid request"),
        401: _("Authentication needed"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Method not allowed"),
        406: _("Not acceptable"),
        410: _("Gone"),
        415: _("Unsupported media type"),
        429: _("Too many requests"),
    }


def _details() -> dict[type, str]:
    """Our own words for DRF's errors (its messages are translated, but not into Korean)."""
    return {
        exceptions.NotAuthenticated: _("Send an OAuth 2 access token in the Authorization header (Bearer)."),
        exceptions.AuthenticationFailed: _("The access token is unknown, expired or revoked."),
        exceptions.PermissionDenied: _("The access token does not allow this."),
        exceptions.NotFound: _("There is nothing here, or it is not yours."),
        exceptions.MethodNotAllowed: _("This address does not accept that method."),
        exceptions.NotAcceptable: _("This address answers in JSON only."),
        exceptions.UnsupportedMediaType: _("Send the request body as JSON."),
        exceptions.ParseError: _("The request body is not valid JSON."),
    }


def problem(*, status_code: int, detail: str, errors: list | None = None, headers: dict | None = None) -> Response:
    body: dict = {
        "type": "about:blank",
        "title": _titles().get(status_code, _("Error")),
        "status": status_code,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def _field_errors(data, prefix: str = "") -> list[dict]:
    """DRF's nested validation errors as a flat list of {field, detail} ("" for the whole body)."""
    found: list[dict] = []
    if isinstance(data, dict):
        for key, value in data.items():
            name = key if key != "non_field_errors" else ""
            found += _field_errors(value, f"{prefix}.{name}" if prefix and name else (name or prefix))
    elif isinstance(data, list):
        for value in data:
            found += _field_errors(value, prefix)
    else:
        found.append({"field": prefix, "detail": str(data)})
    return found


def problem_details_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None  # not an API error: a 500, reported as any other
    headers = {name: value for name, value in response.items() if name in ("Retry-After", "WWW-Authenticate", "Allow")}
    if isinstance(exc, exceptions.ValidationError):
        return problem(
            status_code=status.HTTP_400_BAD_REQUEST,
            detail=_("Some parameters are not valid: see errors."),
            errors=_field_errors(exc.detail),
            headers=headers,
        )
    if isinstance(exc, exceptions.Throttled):
        wait = exc.wait
        detail = (
            _("Too many requests from this client. Try again in %(seconds)s seconds.") % {"seconds": int(wait)}
            if wait is not None
            else _("Too many requests from this client. Try again later.")
        )
        return problem(status_code=status.HTTP_429_TOO_MANY_REQUESTS, detail=detail, headers=headers)
    known = next((text for cls, text in _details().items() if type(exc) is cls), None)
    # Our own views raise APIException subclasses with a translated message.
    detail = known or (str(exc.detail) if isinstance(exc.detail, str) else _("The request cannot be served."))
    return problem(status_code=response.status_code, detail=detail, headers=headers)
