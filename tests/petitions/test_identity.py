import pytest
from django.test import override_settings
from django.urls import reverse

from petitions import identity
from petitions.errors import IdentityError
from petitions.identity import IdentityChallenge, ResidentRecord
from petitions.models import IdentityAttempt, ResidentLink
from sharing.crypto import decrypt_text, subject_hash
from sharing.sandbox import identity as sandbox_identity
from sharing.sandbox.identity import SandboxIdentityProvider
from tests.factories import CITIZEN1

pytestmark = pytest.mark.django_db


class Outbox:
    def __init__(self):
        self.codes = []

    def __call__(self, phone, code):
        self.codes.append((phone, code))


@pytest.fixture
def outbox():
    return Outbox()


@pytest.fixture
def provider(outbox):
    register = {CITIZEN1.rrn: CITIZEN1}
    return SandboxIdentityProvider(lookup=register.get, send_code=outbox)


def test_verification_links_the_account_with_the_rrn_encrypted(citizen, provider, outbox):
    identity.identity_verification_start(user=citizen, name="김 민원", rrn=CITIZEN1.rrn, provider=provider)
    ((phone, code),) = outbox.codes
    assert phone == CITIZEN1.phone
    link = identity.identity_verification_confirm(user=citizen, code=code, provider=provider)
    assert link.rrn_masked == "900101-1******"
    assert link.rrn_hash == subject_hash(CITIZEN1.rrn)
    assert CITIZEN1.rrn not in link.rrn_encrypted and decrypt_text(link.rrn_encrypted) == CITIZEN1.rrn
    assert link.district_code == "11110"
    assert not IdentityChallenge.objects.exists()


def test_wrong_name_or_unknown_rrn_sends_no_code_and_says_nothing(citizen, provider, outbox):
    """No error either: the answer to a mismatch is the answer to a match (issue 13)."""
    for name, rrn in (("홍길동", CITIZEN1.rrn), ("김민원", "900101-1111111")):
        challenge = identity.identity_verification_start(user=citizen, name=name, rrn=rrn, provider=provider)
        assert challenge.outcome == IdentityAttempt.Outcome.NO_MATCH
        with pytest.raises(IdentityError):
            identity.identity_verification_confirm(user=citizen, code="123456", provider=provider)
    assert outbox.codes == []
    assert not ResidentLink.objects.exists()


def test_wrong_codes_count_and_lock_the_challenge(citizen, provider, outbox):
    identity.identity_verification_start(user=citizen, name="김민원", rrn=CITIZEN1.rrn, provider=provider)
    ((_phone, code),) = outbox.codes
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(identity.MAX_ATTEMPTS):
        with pytest.raises(IdentityError):
            identity.identity_verification_confirm(user=citizen, code=wrong, provider=provider)
    assert IdentityChallenge.objects.get().attempts == identity.MAX_ATTEMPTS
    with pytest.raises(IdentityError):
        identity.identity_verification_confirm(user=citizen, code=code, provider=provider)
    assert not ResidentLink.objects.exists()


def test_one_resident_one_account(citizen, other_citizen, provider, outbox):
    identity.resident_link_set(user=other_citizen, record=CITIZEN1)
    identity.identity_verification_start(user=citizen, name="김민원", rrn=CITIZEN1.rrn, provider=provider)
    with pytest.raises(IdentityError):
        identity.identity_verification_confirm(user=citizen, code=outbox.codes[0][1], provider=provider)


def test_the_provider_is_a_setting():
    identity.get_provider.cache_clear()
    assert isinstance(identity.get_provider(), SandboxIdentityProvider)
    with override_settings(PETITIONS_IDENTITY_PROVIDER="tests.petitions.test_identity.Outbox"):
        assert isinstance(identity.get_provider(), Outbox)
    assert isinstance(identity.get_provider(), SandboxIdentityProvider)


def test_identity_pages_keep_the_rrn_out_of_urls(citizen_client, citizen, monkeypatch, outbox):
    monkeypatch.setattr(sandbox_identity, "sandbox_register_lookup", {CITIZEN1.rrn: CITIZEN1}.get)
    monkeypatch.setattr(SandboxIdentityProvider, "_print_code", staticmethod(outbox))
    identity.get_provider.cache_clear()
    target = reverse("petitions:wizard_start", args=["x"])
    response = citizen_client.post(
        reverse("petitions:identity") + f"?next={target}", {"name": "김민원", "rrn": "9001011234567", "next": target}
    )
    assert response.status_code == 302
    assert "900101" not in response["Location"]
    page = citizen_client.get(response["Location"]).content.decode()
    assert "900101" not in page and "5678" not in page  # nor the phone, masked or not
    response = citizen_client.post(reverse("petitions:identity_code"), {"code": outbox.codes[0][1], "next": target})
    assert response["Location"] == target
    assert ResidentLink.objects.get(user=citizen).rrn_masked == "900101-1******"
    identity.get_provider.cache_clear()


def test_identity_form_refuses_a_malformed_rrn(citizen_client):
    response = citizen_client.post(reverse("petitions:identity"), {"name": "김민원", "rrn": "12345"})
    assert response.status_code == 200
    assert response.context["form"].errors["rrn"]


def test_resident_record_from_the_sandbox_register(db):
    from sharing.sandbox.demo import DEMO_OVERRIDES
    from sharing.sandbox.loader import registers_load

    registers_load(residents=1, seed=1, demo=DEMO_OVERRIDES)
    record = sandbox_identity.sandbox_register_lookup("900101-1234567")
    assert isinstance(record, ResidentRecord)
    assert record.name == "김민원" and record.phone == "010-1234-5678" and record.district_code == "11110"
    assert sandbox_identity.sandbox_register_lookup("000000-0000000") is None


def test_system_check_names_a_provider_that_cannot_be_imported(settings):
    from petitions.checks import identity_provider_check

    assert identity_provider_check(None) == []
    settings.PETITIONS_IDENTITY_PROVIDER = "petitions.identity.NoSuchProvider"
    (error,) = identity_provider_check(None)
    assert error.id == "petitions.E001" and "PETITIONS_IDENTITY_PROVIDER" in error.msg


def test_the_outcomes_a_provider_reports_are_those_the_attempt_log_records():
    from portal import identity as interface

    for value in (interface.CODE_SENT, interface.NO_MATCH, interface.NO_PHONE):
        assert IdentityAttempt.Outcome(value) == value


def test_petitions_names_the_interfaces_error_and_record():
    from portal import identity as interface

    assert identity.IdentityError is IdentityError is interface.IdentityError
    assert identity.ResidentRecord is ResidentRecord is interface.ResidentRecord
