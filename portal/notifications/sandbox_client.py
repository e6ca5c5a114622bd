"""The portal's client of the sandbox messaging provider (``/sandbox/messaging/``): SMS and
KakaoTalk notification talk (알림톡) with SMS fallback, reached over HTTP as a real provider is.

Protocol (the sandbox implements the other side from this text, without importing this module):

``POST {NOTIFICATION_SANDBOX_URL}/v1/messages`` with the headers ``X-Api-Key: <key>`` and
``X-Signature: t=<unix time>,v1=<hex HMAC-SHA256 (secret) of "t.body">`` and the JSON body::

    {"reference": "ntf-42", "type": "sms" | "alimtalk", "to": "01012345678", "from": "15880000",
     "text": "...",                                   # the SMS, or the filled-in template
     "templateCode": "...", "variables": {...},        # alimtalk only
     "senderKey": "...", "fallback": "sms"}             # alimtalk only: SMS when no KakaoTalk

Answers: ``200 {"messageId", "status": "accepted", "deliveredVia": "kakao" | "sms"}`` (the same
message id again for a reference already accepted), ``400 {"code", "message"}`` (bad number,
template or body: not retried), ``401`` (key or signature), ``5xx`` (retried).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import urllib3
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .channels import BaseChannel, ChannelRejected, ChannelUnavailable, Message, SendResult, register

_http = urllib3.PoolManager(retries=False, maxsize=4)
MAX_ANSWER_BYTES = 10_000


def signature(body: bytes, timestamp: str, secret: str) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class SandboxMessagingChannel(BaseChannel):
    message_type = ""

    def check_config(self) -> list[str]:
        return [
            f"{name} is not set."
            for name in ("NOTIFICATION_SANDBOX_URL", "NOTIFICATION_SANDBOX_API_KEY", "NOTIFICATION_SANDBOX_SECRET")
            if not getattr(settings, name, "")
        ]

    def payload(self, message: Message) -> dict:
        return {
            "reference": message.reference,
            "type": self.message_type,
            "to": message.to,
            "from": settings.NOTIFICATION_SANDBOX_SENDER,
            "text": message.text,
        }

    def send(self, message: Message) -> SendResult:
        body = json.dumps(self.payload(message), ensure_ascii=False).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Api-Key": settings.NOTIFICATION_SANDBOX_API_KEY,
            "X-Signature": f"t={timestamp},v1={signature(body, timestamp, settings.NOTIFICATION_SANDBOX_SECRET)}",
        }
        seconds = settings.NOTIFICATION_PROVIDER_TIMEOUT_SECONDS
        try:
            answer = _http.request(
                "POST",
                f"{settings.NOTIFICATION_SANDBOX_URL}/v1/messages",
                body=body,
                headers=headers,
                timeout=urllib3.Timeout(connect=seconds, read=seconds),
                preload_content=False,
            )
            content = answer.read(MAX_ANSWER_BYTES)
            answer.release_conn()
        except urllib3.exceptions.NewConnectionError as exc:  # a subclass of the time-outs in urllib3 2
            raise ChannelUnavailable(f"unreachable:{type(exc).__name__}") from exc
        except urllib3.exceptions.TimeoutError as exc:
            raise ChannelUnavailable("timeout") from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise ChannelUnavailable(f"unreachable:{type(exc).__name__}") from exc
        try:
            data = json.loads(content or b"{}")
        except ValueError:
            data = {}
        data = data if isinstance(data, dict) else {}
        code = str(data.get("code") or answer.status)
        if answer.status >= 500 or answer.status in (408, 429):
            raise ChannelUnavailable(f"http_{answer.status}:{code}")
        if answer.status != 200:
            raise ChannelRejected(f"http_{answer.status}:{code}")
        if not data.get("messageId"):
            raise ChannelUnavailable("malformed_answer")
        return SendResult(message_id=str(data["messageId"])[:100], delivered_via=str(data.get("deliveredVia", "")))


@register("sandbox_sms")
class SandboxSmsChannel(SandboxMessagingChannel):
    medium = "sms"
    message_type = "sms"
    verbose_name = _("Sandbox messaging: SMS")


@register("sandbox_kakao")
class SandboxKakaoChannel(SandboxMessagingChannel):
    medium = "kakao"
    message_type = "alimtalk"
    verbose_name = _("Sandbox messaging: KakaoTalk notification talk")

    def payload(self, message: Message) -> dict:
        return {
            **super().payload(message),
            "templateCode": message.template_code,
            "variables": message.variables,
            "senderKey": settings.NOTIFICATION_SANDBOX_KAKAO_SENDER_KEY,
            "fallback": "sms",
        }
