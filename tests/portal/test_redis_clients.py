"""The cache and the broker reuse their Redis client objects (portal/redis_clients.py)."""

import os
import uuid

import pytest
import redis
from kombu import Connection, Exchange, Queue

from portal.redis_clients import RedisCache, Transport

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


@pytest.fixture(scope="module")
def redis_up():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL} (CI runs one)")


def test_the_cache_works_with_one_client_per_pool(redis_up):
    cache = RedisCache(REDIS_URL, {})
    key = f"test-{uuid.uuid4().hex}"
    cache.set(key, {"a": 1}, 30)
    assert cache.get(key) == {"a": 1}
    assert cache.get_many([key, "missing"]) == {key: {"a": 1}}
    assert cache._cache.get_client(write=True) is cache._cache.get_client(write=True)
    assert cache.add(key + "n", 0, 30)
    assert cache.incr(key + "n") == 1
    cache.delete_many([key, key + "n"])
    assert cache.get(key) is None


def test_the_broker_delivers_acknowledges_and_reuses_its_client(redis_up):
    name = f"test-{uuid.uuid4().hex[:12]}"
    queue = Queue(name, Exchange(name), routing_key=name)
    with Connection(REDIS_URL, transport=Transport) as connection:
        channel = connection.default_channel
        assert channel._create_client() is channel._create_client()
        with connection.Producer() as producer:
            producer.publish({"n": 1}, exchange=queue.exchange, routing_key=name, declare=[queue])
        received = []
        with connection.Consumer(queue, callbacks=[lambda body, message: (received.append(body), message.ack())]):
            connection.drain_events(timeout=5)
        assert received == [{"n": 1}]
        client = channel._create_client()
        assert not client.hlen(channel.unacked_key)  # acknowledged: nothing left to restore
        queue(channel).delete()
