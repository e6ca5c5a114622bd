"""The broker reuses its Redis client objects (portal/redis_clients.py)."""

import os
import uuid

import pytest
import redis
from kombu import Connection, Exchange, Queue

from portal.redis_clients import Transport

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


@pytest.fixture(scope="module")
def redis_up():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL} (CI runs one)")


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
