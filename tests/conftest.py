pytest_plugins = ["tests.sandbox.fixtures"]

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from tests.factories import (
    AdministratorFactory,
    CitizenFactory,
    MembershipFactory,
    OfficeFactory,
    OfficialFactory,
    TOTPDeviceFactory,
)


def login_verified(client: Client, user) -> Client:
    """Logs the user in as if they had passed the second factor in this session."""
    device = user.totpdevice_set.filter(confirmed=True).first() or TOTPDeviceFactory(user=user)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def office(db):
    return OfficeFactory(code="jongno", name_ko="종로구청", name_en="Jongno-gu Office", district_code="11110")


@pytest.fixture
def other_office(db):
    return OfficeFactory(code="gangnam", name_ko="강남구청", name_en="Gangnam-gu Office", district_code="11680")


@pytest.fixture
def citizen(db):
    return CitizenFactory(username="citizen-a")


@pytest.fixture
def other_citizen(db):
    return CitizenFactory(username="citizen-b")


@pytest.fixture
def official(office):
    return MembershipFactory(office=office, user=OfficialFactory(username="official-a")).user


@pytest.fixture
def supervisor(office):
    return MembershipFactory(office=office, user=OfficialFactory(username="supervisor-a"), role="supervisor").user


@pytest.fixture
def other_official(other_office):
    return MembershipFactory(office=other_office, user=OfficialFactory(username="official-b")).user


@pytest.fixture
def administrator(db):
    return AdministratorFactory(username="admin-a")


@pytest.fixture
def citizen_client(citizen):
    client = Client()
    client.force_login(citizen, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def official_client(official):
    return login_verified(Client(), official)


@pytest.fixture
def admin_client_verified(administrator):
    return login_verified(Client(), administrator)
