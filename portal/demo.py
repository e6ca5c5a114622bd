"""Demo offices and accounts. Idempotent: running it again changes nothing."""

from __future__ import annotations

import base64

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Office, OfficeMembership, User

DEMO_PASSWORD = "portal-demo-1234"  # noqa: S105 (the demo accounts' published password)
# Published on purpose so that anyone can add it to an authenticator app.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"  # noqa: S105

OFFICES = [
    # code, Korean name, English name, district code (행정표준코드 시군구), address, phone
    (
        "jongno",
        "서울특별시 종로구청",
        "Jongno-gu Office, Seoul",
        "11110",
        "서울특별시 종로구 삼봉로 43",
        "02-2148-1114",
    ),
    ("jung", "서울특별시 중구청", "Jung-gu Office, Seoul", "11140", "서울특별시 중구 창경궁로 17", "02-3396-4114"),
    ("mapo", "서울특별시 마포구청", "Mapo-gu Office, Seoul", "11440", "서울특별시 마포구 월드컵로 212", "02-3153-8114"),
    (
        "gangnam",
        "서울특별시 강남구청",
        "Gangnam-gu Office, Seoul",
        "11680",
        "서울특별시 강남구 학동로 426",
        "02-3423-5114",
    ),
    (
        "haeundae",
        "부산광역시 해운대구청",
        "Haeundae-gu Office, Busan",
        "26350",
        "부산광역시 해운대구 중동2로 11",
        "051-749-4000",
    ),
]

ACCOUNTS = [
    # username, role, name, e-mail, staff number, [(office, membership role)], TOTP
    ("citizen1", User.Role.CITIZEN, "김민원", "citizen1@example.org", "", [], False),
    ("citizen2", User.Role.CITIZEN, "이시민", "citizen2@example.org", "", [], False),
    (
        "officer1",
        User.Role.OFFICIAL,
        "박담당",
        "officer1@jongno.example.go.kr",
        "JN-2041",
        [("jongno", OfficeMembership.Role.REVIEWER)],
        True,
    ),
    (
        "supervisor1",
        User.Role.OFFICIAL,
        "최팀장",
        "supervisor1@jongno.example.go.kr",
        "JN-1007",
        [("jongno", OfficeMembership.Role.SUPERVISOR)],
        True,
    ),
    (
        "officer2",
        User.Role.OFFICIAL,
        "정주무관",
        "officer2@gangnam.example.go.kr",
        "GN-3310",
        [("gangnam", OfficeMembership.Role.REVIEWER)],
        True,
    ),
    # The hub's roles (given by sharing.hub.demo_roles, a later seed step): an administrator of the
    # Jongno-gu using agency, who applies for its uses, and a reviewer of the Ministry of the
    # Interior and Safety (mois), who decides applications for its items.
    (
        "hubadmin1",
        User.Role.OFFICIAL,
        "한이용",
        "hubadmin1@jongno.example.go.kr",
        "JN-0500",
        [("jongno", OfficeMembership.Role.REVIEWER)],
        True,
    ),
    ("reviewer1", User.Role.OFFICIAL, "오심사", "reviewer1@mois.example.go.kr", "MO-7001", [], True),
    ("admin", User.Role.ADMINISTRATOR, "관리자", "admin@example.go.kr", "AD-0001", [], True),
    # Staff of the recipients citizens submit e-documents to (sharing.submissions.demo links them).
    ("bank1", User.Role.RECIPIENT, "윤은행", "bank1@hanbit-bank.example.com", "HB-1001", [], True),
    ("employer1", User.Role.RECIPIENT, "강인사", "employer1@saesol.example.com", "SS-0201", [], True),
]
# What the banner of make run says besides an account's kind.
ACCOUNT_NOTES = {
    "hubadmin1": "using agency administrator, Jongno-gu (/hub/uses/)",
    "reviewer1": "owning agency reviewer, MOIS (/hub/reviews/)",
    "bank1": "staff of Hanbit Bank: documents submitted to it (/inbox/)",
    "employer1": "staff of Saesol Co.: documents submitted to it (/inbox/)",
}

# A delegation (대리 신청) between two demo citizens, made by petitions.demo: the principal lets
# the delegate file every petition type for them, with consent to fetching given in advance.
DEMO_DELEGATION = {"principal": "citizen2", "delegate": "citizen1"}


def demo_totp_key_hex() -> str:
    return base64.b32decode(DEMO_TOTP_SECRET).hex()


@transaction.atomic
def seed(*, stdout=None, **options) -> None:
    offices = {}
    for code, name_ko, name_en, district, address, phone in OFFICES:
        office, _ = Office.objects.get_or_create(
            code=code,
            defaults={
                "name_ko": name_ko,
                "name_en": name_en,
                "district_code": district,
                "address": address,
                "phone": phone,
            },
        )
        offices[code] = office

    for username, role, name, email, staff_number, memberships, totp in ACCOUNTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, role=role, full_name=name, email=email, staff_number=staff_number)
            user.is_superuser = role == User.Role.ADMINISTRATOR
            # Hashing is salted: set the password only when the account is new, so a
            # second run leaves every row as it was.
            user.set_password(DEMO_PASSWORD)
            user.save()
        for office_code, membership_role in memberships:
            OfficeMembership.objects.get_or_create(
                user=user, office=offices[office_code], defaults={"role": membership_role}
            )
        if totp:
            TOTPDevice.objects.get_or_create(
                user=user, name="demo authenticator", defaults={"key": demo_totp_key_hex(), "confirmed": True}
            )
    if stdout:
        stdout.write(f"  offices: {len(OFFICES)}, accounts: {len(ACCOUNTS)}")
