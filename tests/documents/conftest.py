import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _documents_isolation(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def document(citizen, office):
    """An issued e-document of the citizen, from the office."""
    from .factories import issued_document

    return issued_document(owner=citizen, office=office)
