import pytest
from django.test import Client


@pytest.fixture
def other_client(linked_other_citizen):
    client = Client()
    client.force_login(linked_other_citizen, backend="django.contrib.auth.backends.ModelBackend")
    return client
