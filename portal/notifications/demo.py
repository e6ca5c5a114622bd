"""Demo notification settings: citizen1 gets KakaoTalk on the sandbox phone 010-2345-6789 as
well as e-mail. Made once (a citizen who changed them keeps their choice); the first message,
confirming the phone, goes out when the worker of ``make run`` starts and can be read on the
sandbox phone page (/sandbox/messaging/phone/?to=01023456789)."""

from __future__ import annotations

from portal.models import User

from .models import NotificationPreference
from .services import preferences_update

DEMO_PHONES = {"citizen1": "010-2345-6789"}


def seed(*, stdout=None, **options) -> None:
    made = 0
    for username, phone in DEMO_PHONES.items():
        user = User.objects.filter(username=username).first()
        if user is None or NotificationPreference.objects.filter(user=user).exists():
            continue
        preferences_update(user=user, email=True, sms=False, kakao=True, phone=phone, confirm=True)
        made += 1
    if stdout:
        stdout.write(f"  notification settings: {made} new")
