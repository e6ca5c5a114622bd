"""HTTP endpoints of the sandbox agencies (the standard connection, their keys, the OpenAPI document)."""

from __future__ import annotations

import logging
import time

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from sharing.crypto import mask_rrn

from . import faults, openapi, protocol, selectors, services, tsa
from .demo import DEMO_PEOPLE
from .keys import agency_public_jwks
from .models import SandboxAgency
from .protocol import ProtocolError

logger = logging.getLogger(__name__)

JOSE = "application/jose"


def _error(status: int, error: str, message: str) -> JsonResponse:
    return JsonResponse({"error": error, "message": message}, status=status)


@csrf_exempt
@never_cache
def item_endpoint(request: HttpRequest, agency_code: str, item_code: str) -> HttpResponse:
    if request.method != "POST":
        response = _error(405, "method_not_allowed", "Use POST with a compact JWS body.")
        response["Allow"] = "POST"
        return response
    agency = selectors.agency_get(agency_code)
    if agency is None:
        return _error(404, "unknown_agency", f"There is no sandbox agency {agency_code!r}.")
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > protocol.MAX_BODY_BYTES:
        return _error(413, "malformed_request", f"The body is larger than {protocol.MAX_BODY_BYTES} bytes.")
    body = request.body
    txn_key = protocol.unverified_txn_id(body) or body.hex()[:128]
    plan = faults.plan_for(agency, txn_key)
    if plan.down:
        if faults.close_connection(request.META):
            logger.info("sandbox agency %s is down: connection closed", agency.code)
            return HttpResponse(status=503)  # never reaches the client: the socket is shut
        return _error(503, "unavailable", "The agency is down for maintenance.")
    faults.sleep(plan.delay_seconds)
    if plan.timeout:
        # Hold the request past the client's timeout; touch nothing (the client is gone).
        faults.sleep(faults.timeout_hold_seconds(agency, request.headers.get("Request-Timeout")))
        return _error(504, "timeout", "The agency did not answer in time (simulated).")
    if plan.error:
        return _error(503, "unavailable", "The agency failed to answer (simulated fault).")
    try:
        answer = services.share_request_answer(
            agency=agency,
            item_code=item_code,
            body=body,
            now=time.time(),
            tamper_signature=plan.tamper_signature,
            malformed_payload=plan.malformed,
        )
    except ProtocolError as refusal:
        logger.info("sandbox agency %s refused a request: %s", agency.code, refusal.error)
        return JsonResponse(refusal.body(), status=refusal.status)
    return HttpResponse(answer.token.encode("ascii"), content_type=JOSE)


@csrf_exempt
@never_cache
def approvals_endpoint(request: HttpRequest, agency_code: str) -> HttpResponse:
    """The portal pushes its decisions on approved uses of this agency's items here (PROTOCOL.md)."""
    if request.method != "POST":
        response = _error(405, "method_not_allowed", "Use POST with a compact JWS body.")
        response["Allow"] = "POST"
        return response
    agency = selectors.agency_get(agency_code)
    if agency is None:
        return _error(404, "unknown_agency", f"There is no sandbox agency {agency_code!r}.")
    if agency.down:
        return _error(503, "unavailable", "The agency is down for maintenance.")
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > protocol.MAX_BODY_BYTES:
        return _error(413, "malformed_request", f"The body is larger than {protocol.MAX_BODY_BYTES} bytes.")
    try:
        receipt = services.approval_receive(agency=agency, body=request.body, now=time.time())
    except ProtocolError as refusal:
        logger.info("sandbox agency %s refused a pushed approval: %s", agency.code, refusal.error)
        return JsonResponse(refusal.body(), status=refusal.status)
    return JsonResponse({"use_id": receipt.use_id, "version": receipt.version, "stored": receipt.stored})


@csrf_exempt
@never_cache
def agency_root(request: HttpRequest, agency_code: str) -> HttpResponse:
    """What the agency serves (a connection check lands here); honours the down and latency faults."""
    agency = selectors.agency_get(agency_code)
    if agency is None:
        return _error(404, "unknown_agency", f"There is no sandbox agency {agency_code!r}.")
    plan = faults.plan_for(agency, request.headers.get("X-Request-Id", "connection-check"))
    if plan.down:
        if faults.close_connection(request.META):
            return HttpResponse(status=503)
        return _error(503, "unavailable", "The agency is down for maintenance.")
    faults.sleep(plan.delay_seconds)
    items = sorted(code for code, item in selectors.ITEMS.items() if item["agency"] == agency.code)
    return JsonResponse(
        {
            "agency": agency.code,
            "protocol": "standard-connection/1",
            "items": items,
            "jwks": request.build_absolute_uri(reverse("sandbox:jwks", args=[agency.code])),
        },
        json_dumps_params={"ensure_ascii": False},
    )


@never_cache
def agency_jwks(request: HttpRequest, agency_code: str) -> HttpResponse:
    if not SandboxAgency.objects.filter(code=agency_code).exists():
        return _error(404, "unknown_agency", f"There is no sandbox agency {agency_code!r}.")
    return JsonResponse(agency_public_jwks(agency_code), content_type="application/jwk-set+json")


def openapi_document(request: HttpRequest) -> JsonResponse:
    return JsonResponse(openapi.document(), json_dumps_params={"ensure_ascii": False})


def index(request: HttpRequest) -> HttpResponse:
    """A page for developers: the agencies, their items, faults and the demo subjects."""
    agencies = list(SandboxAgency.objects.order_by("code"))
    items_by_agency: dict[str, list[dict]] = {}
    for item in selectors.ITEMS.values():
        items_by_agency.setdefault(item["agency"], []).append(item)
    rows = [{"agency": agency, "items": items_by_agency.get(agency.code, [])} for agency in agencies]
    # Registration numbers are masked here as on every other page, synthetic or not.
    people = [{**person, "rrn": mask_rrn(person["rrn"])} for person in DEMO_PEOPLE]
    return render(request, "sandbox/index.html", {"rows": rows, "people": people})


@csrf_exempt
@never_cache
def tsa_endpoint(request: HttpRequest) -> HttpResponse:
    """The sandbox time-stamping authority (RFC 3161 over HTTP, section 3.4)."""
    if request.method != "POST":
        response = _error(405, "method_not_allowed", "POST a DER TimeStampReq as application/timestamp-query.")
        response["Allow"] = "POST"
        return response
    if request.content_type != tsa.MEDIA_TYPE_QUERY:
        return _error(415, "unsupported_media_type", f"The body must be {tsa.MEDIA_TYPE_QUERY}.")
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > tsa.MAX_QUERY_BYTES:
        return _error(413, "malformed_request", f"A time-stamp query is at most {tsa.MAX_QUERY_BYTES} bytes.")
    return HttpResponse(tsa.authority().answer(request.body), content_type=tsa.MEDIA_TYPE_REPLY)


def tsa_root_certificate(request: HttpRequest) -> HttpResponse:
    """The root the TSA's certificate chains to (PEM), as a real TSA publishes its chain."""
    return HttpResponse(tsa.authority().root_pem(), content_type="application/x-pem-file")
