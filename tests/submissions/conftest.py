import pytest
from django.test import Client

from portal.models import User
from sharing.crypto import subject_hash
from sharing.submissions.models import Recipient, RecipientStaff
from tests.conftest import login_verified
from tests.documents.factories import issued_document
from tests.factories import CITIZEN1, UserFactory


@pytest.fixture(autouse=True)
def _isolation(isolated_media):
    """Each test's files in its own folder (the cache is cleared for every test by tests/conftest.py)."""


def staff_user(username: str) -> User:
    return UserFactory.create(username=username, role=User.Role.RECIPIENT, full_name="윤은행", staff_number="HB-1")


@pytest.fixture
def bank(db):
    recipient = Recipient.objects.create(
        code="hanbit-bank", name_ko="한빛은행", name_en="Hanbit Bank", kind=Recipient.Kind.BANK, contact="02-0000"
    )
    RecipientStaff.objects.create(recipient=recipient, user=staff_user("bank-staff"))
    return recipient


@pytest.fixture
def employer(db):
    recipient = Recipient.objects.create(
        code="saesol", name_ko="주식회사 새솔", name_en="Saesol Co.", kind=Recipient.Kind.EMPLOYER
    )
    RecipientStaff.objects.create(recipient=recipient, user=staff_user("employer-staff"))
    return recipient


@pytest.fixture
def bank_staff(bank):
    return bank.staff.get()


@pytest.fixture
def bank_client(bank_staff):
    return login_verified(Client(), bank_staff)


@pytest.fixture
def employer_client(employer):
    return login_verified(Client(), employer.staff.get())


@pytest.fixture
def my_document(linked_citizen, office):
    """An issued receipt about the linked citizen (CITIZEN1), signed as rendered ones are."""
    return issued_document(
        owner=linked_citizen, office=office, case_ref="2026-0000501", subject_hash=subject_hash(CITIZEN1.rrn)
    )
