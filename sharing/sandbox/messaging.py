"""The sandbox messaging provider: SMS and KakaoTalk notification talk (알림톡) with SMS fallback,
and a page that shows what a phone would have received.

It is another host to the portal, as the sandbox agencies and the sandbox PG are: it knows the
portal as a sender account by an API key and a signing secret (settings
``NOTIFICATION_SANDBOX_*``, handed out by a real provider's console), checks every request's
signature and freshness, and never reads the portal's tables. Protocol:
``portal/notifications/sandbox_client.py``.

A phone whose number starts with 010-0000 has no KakaoTalk: a notification talk to it is
delivered by SMS instead (the fallback real providers offer), as the page shows.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .models import SandboxMessage

SIGNATURE_MAX_AGE_SECONDS = 300
MAX_BODY_BYTES = 20_000
MOBILE = re.compile(r"^01[016789]\d{7,8}$")
NO_KAKAOTALK_PREFIX = "0100000"
SMS_MAX_CHARS = 1000  # an LMS; a real provider bills past 90 bytes as LMS


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=status)


def _signed(request: HttpRequest) -> bool:
    if not hmac.compare_digest(request.headers.get("X-Api-Key", ""), settings.NOTIFICATION_SANDBOX_API_KEY):
        return False
    parts = dict(part.split("=", 1) for part in request.headers.get("X-Signature", "").split(",") if "=" in part)
    timestamp, signature = parts.get("t", "").strip(), parts.get("v1", "").strip()
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > SIGNATURE_MAX_AGE_SECONDS:
        return False
    expected = hmac.new(
        settings.NOTIFICATION_SANDBOX_SECRET.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, signature)


def _answer(message: SandboxMessage) -> JsonResponse:
    return JsonResponse({"messageId": message.message_id, "status": "accepted", "deliveredVia": message.delivered_via})


@csrf_exempt
@require_POST
def api_messages(request: HttpRequest) -> HttpResponse:
    """Accepts one SMS or notification talk; the same reference again gets the same message id."""
    if len(request.body) > MAX_BODY_BYTES:
        return _error(413, "TOO_LARGE", f"A message is at most {MAX_BODY_BYTES} bytes.")
    if not _signed(request):
        return _error(401, "UNAUTHORIZED", "The API key or the signature is wrong or stale.")
    try:
        body = json.loads(request.body)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return _error(400, "INVALID_REQUEST", "The body is not a JSON object.")
    kind, to, text = body.get("type"), str(body.get("to", "")), str(body.get("text", ""))
    reference = str(body.get("reference", ""))[:100]
    if kind not in ("sms", "alimtalk") or not reference:
        return _error(400, "INVALID_REQUEST", "type must be sms or alimtalk, and a reference is needed.")
    if not MOBILE.match(to):
        return _error(400, "INVALID_NUMBER", "The recipient is not a mobile number.")
    if not text.strip() or len(text) > SMS_MAX_CHARS:
        return _error(400, "INVALID_TEXT", f"The text must have 1 to {SMS_MAX_CHARS} characters.")
    variables = body.get("variables") or {}
    if kind == "alimtalk":
        if not str(body.get("templateCode", "")) or not isinstance(variables, dict):
            return _error(400, "INVALID_TEMPLATE", "A notification talk needs a templateCode and its variables.")
        if body.get("senderKey") != settings.NOTIFICATION_SANDBOX_KAKAO_SENDER_KEY:
            return _error(400, "INVALID_SENDER_KEY", "The KakaoTalk sender key is not this account's.")
    existing = SandboxMessage.objects.filter(api_key=settings.NOTIFICATION_SANDBOX_API_KEY, reference=reference).first()
    if existing is not None:
        return _answer(existing)
    has_kakaotalk = not to.startswith(NO_KAKAOTALK_PREFIX)
    if kind == "alimtalk" and not has_kakaotalk and body.get("fallback") != "sms":
        return _error(400, "NO_KAKAOTALK", "The recipient does not use KakaoTalk and no fallback was asked.")
    via = SandboxMessage.Via.KAKAO if kind == "alimtalk" and has_kakaotalk else SandboxMessage.Via.SMS
    try:
        with transaction.atomic():
            message = SandboxMessage.objects.create(
                message_id=f"msg_{uuid.uuid4().hex}",
                api_key=settings.NOTIFICATION_SANDBOX_API_KEY,
                reference=reference,
                to=to,
                sender=str(body.get("from", ""))[:20],
                requested=kind,
                delivered_via=via,
                template_code=str(body.get("templateCode", ""))[:60] if kind == "alimtalk" else "",
                variables={str(k)[:40]: str(v)[:200] for k, v in variables.items()} if kind == "alimtalk" else {},
                text=text,
            )
    except IntegrityError:  # the same reference sent twice at once
        message = SandboxMessage.objects.get(api_key=settings.NOTIFICATION_SANDBOX_API_KEY, reference=reference)
    return _answer(message)


@require_GET
@never_cache
def phone(request: HttpRequest) -> HttpResponse:
    """The sandbox phone: the messages received by the number typed (synthetic demo data only;
    the sandbox is switched off in production)."""
    typed = request.GET.get("to", "").strip()
    number = "".join(ch for ch in typed if ch.isdigit())
    problem = ""
    messages: list[SandboxMessage] = []
    if typed and not MOBILE.match(number):
        problem = "invalid"
    elif number:
        messages = list(SandboxMessage.objects.filter(to=number).order_by("-created_at", "-id")[:50])
    return render(
        request,
        "sandbox/phone.html",
        {"typed": typed, "number": number if not problem else "", "messages": messages, "problem": problem},
        status=400 if problem else 200,
    )
