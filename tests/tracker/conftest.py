import pytest
from django.test import Client

from petitions.identity import ResidentRecord, resident_link_set
from sharing.demo import seed as catalogue_seed

CITIZEN1 = ResidentRecord(
    name="김민원",
    rrn="900101-1234567",
    phone="010-1234-5678",
    address="서울특별시 종로구 자하문로 10",
    district_code="11110",
)
CITIZEN2 = ResidentRecord(
    name="이시민",
    rrn="920315-2345678",
    phone="010-2345-6789",
    address="서울특별시 강남구 테헤란로 20 302호",
    district_code="11680",
)


@pytest.fixture
def catalogue(db):
    catalogue_seed()


@pytest.fixture
def linked_citizen(citizen):
    resident_link_set(user=citizen, record=CITIZEN1)
    return citizen


@pytest.fixture
def linked_other_citizen(other_citizen):
    resident_link_set(user=other_citizen, record=CITIZEN2)
    return other_citizen


@pytest.fixture
def linked_client(linked_citizen):
    client = Client()
    client.force_login(linked_citizen, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def other_client(linked_other_citizen):
    client = Client()
    client.force_login(linked_other_citizen, backend="django.contrib.auth.backends.ModelBackend")
    return client
