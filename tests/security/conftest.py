import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.utils.functional import empty

from .world import build_world


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # A storage built for another test's settings (or one left as None by a test that reset it
    # the wrong way) is rebuilt from this test's.
    default_storage._wrapped = empty
    cache.clear()
    yield
    default_storage._wrapped = empty
    cache.clear()


@pytest.fixture
def world(db, queued_fetches, queued_renders):
    return build_world()
