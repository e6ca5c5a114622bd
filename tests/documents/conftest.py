import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _documents_isolation(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()
