import pytest


@pytest.fixture(autouse=True)
def _isolation(isolated_media):
    """Each test's files in its own folder (the cache is cleared for every test by tests/conftest.py)."""


@pytest.fixture
def document(citizen, office):
    """An issued e-document of the citizen, from the office."""
    from .factories import issued_document

    return issued_document(owner=citizen, office=office)
