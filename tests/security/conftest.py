import pytest
from django.core.cache import cache

from tests.petitions.conftest import queued_fetches, queued_renders  # noqa: F401  (fixtures)

from .world import build_world


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db, queued_fetches, queued_renders):  # noqa: F811
    return build_world()
