"""The channel interface: a channel sends one message and returns the provider's message id.

A channel is a small class registered under an identifier (like the agencies' providers of
``sharing`` and the payment providers of ``petitions.payments``). ``NOTIFICATION_CHANNELS``
says which registered channel serves each medium (``email``, ``sms``, ``kakao``); a medium set
to ``""`` is not offered to citizens.

A real Korean messaging provider (NHN Cloud, Solapi, Aligo, ...) is one more class::

    @register("nhn_kakao")
    class NhnAlimtalkChannel(BaseChannel):
        medium = "kakao"
        verbose_name = _("NHN Cloud KakaoTalk")

        def check_config(self): ...                 # app key, secret, sender key named
        def send(self, message):                    # POST .../alimtalk/v2.3/appkeys/{appKey}/messages
            # templateCode = message.template_code, templateParameter = message.variables,
            # recipientNo = message.to, resendParameter = {isResend: true, resendContent: message.text}
            # (SMS fallback when the phone has no KakaoTalk); raise ChannelUnavailable on 5xx or a
            # time-out (retried), ChannelRejected on 4xx (not retried); return SendResult(requestId)

The template code and its variables are what Kakao approves in advance (알림톡 템플릿 심사):
``message.text`` is the template filled with them, and the text sent by SMS when it falls back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class ChannelError(Exception):
    """The message was not sent. ``code`` is recorded on the notification (no personal data)."""

    retry = False

    def __init__(self, code: str):
        self.code = code[:200]
        super().__init__(self.code)


class ChannelUnavailable(ChannelError):
    """Down, 5xx, time-out: tried again later."""

    retry = True


class ChannelRejected(ChannelError):
    """The provider refused this message (4xx: bad number, unknown template): not tried again."""


@dataclass(frozen=True)
class Message:
    reference: str  # the portal's id of this message: a provider told it twice sends it once
    to: str  # e-mail address or mobile number (digits)
    language: str
    subject: str
    text: str  # the short text (SMS, KakaoTalk, the petition's page)
    body: str = ""  # the e-mail's body
    template_code: str = ""
    variables: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    message_id: str
    delivered_via: str = ""  # e.g. "sms" when KakaoTalk fell back to a text message


class BaseChannel:
    identifier: str = ""
    medium: str = ""
    verbose_name: ClassVar[StrOrPromise] = ""

    def check_config(self) -> list[str]:
        """Problems of the configuration (settings named), empty when it can work."""
        return []

    def send(self, message: Message) -> SendResult:
        raise NotImplementedError


class Registry:
    def __init__(self):
        self._channels: dict[str, BaseChannel] = {}

    def __call__(self, identifier: str) -> Callable[[type[BaseChannel]], type[BaseChannel]]:
        def decorator(cls: type[BaseChannel]) -> type[BaseChannel]:
            if identifier in self._channels:
                raise ValueError(f"A notification channel with the identifier {identifier!r} is already registered.")
            cls.identifier = identifier
            self._channels[identifier] = cls()
            return cls

        return decorator

    def __getitem__(self, identifier: str) -> BaseChannel:
        return self._channels[identifier]

    def __contains__(self, identifier: str) -> bool:
        return identifier in self._channels

    def __iter__(self) -> Iterator[BaseChannel]:
        return iter(self._channels.values())


registry = Registry()
register = registry


def channel_for(medium: str, registry_: Registry | None = None) -> BaseChannel | None:
    """The channel configured for a medium, or None when the medium is switched off."""
    identifier = settings.NOTIFICATION_CHANNELS.get(medium, "")
    if not identifier:
        return None
    return (registry_ or registry)[identifier]


def media_offered() -> list[str]:
    return [medium for medium, identifier in settings.NOTIFICATION_CHANNELS.items() if identifier]


@register("email")
class EmailChannel(BaseChannel):
    """Django's mail backend (``EMAIL_BACKEND``: SMTP in production)."""

    medium = "email"
    verbose_name = _("E-mail (Django's mail backend)")

    def send(self, message: Message) -> SendResult:
        email = EmailMessage(
            message.subject,
            message.body or message.text,
            settings.DEFAULT_FROM_EMAIL,
            [message.to],
            headers={"X-Portal-Notification": message.reference},
        )
        try:
            email.send()
        except (OSError, TimeoutError) as exc:  # smtplib's errors are OSErrors
            raise ChannelUnavailable(f"smtp:{type(exc).__name__}") from exc
        return SendResult(message_id=message.reference)
