import pytest

from .world import build_world


@pytest.fixture(autouse=True)
def _isolation(isolated_media):
    """Each test's files in its own folder (the cache is cleared for every test by tests/conftest.py)."""


@pytest.fixture
def world(db, queued_fetches, queued_renders):
    return build_world()
