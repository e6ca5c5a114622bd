"""With CACHE_URL=redis://... the cache is django-redis, which keeps its Redis client (CI runs it)."""

import uuid

import pytest
from django.conf import settings
from django.core.cache import cache


@pytest.mark.skipif(not settings.CACHE_URL.startswith("redis"), reason="CACHE_URL is not Redis (CI sets it)")
def test_django_redis_keeps_one_client_and_counts_atomically():
    from django.core.cache import caches
    from django_redis.cache import RedisCache

    assert isinstance(caches["default"], RedisCache)
    key = f"test-{uuid.uuid4().hex}"
    cache.set(key, {"a": 1}, 30)
    assert cache.get(key) == {"a": 1}
    assert cache.get_many([key, "missing"]) == {key: {"a": 1}}
    assert cache.add(key + "n", 0, 30)
    assert cache.incr(key + "n") == 1
    assert cache.client.get_client(write=True) is cache.client.get_client(write=True)
    cache.delete_many([key, key + "n"])
    assert cache.get(key) is None
