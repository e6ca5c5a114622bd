"""Redis clients made once and reused, for the cache and for the Celery broker.

Django's Redis cache and kombu's Redis transport both build a new ``redis.Redis`` object for
every operation (on top of their shared connection pool). Building one copies some two hundred
response callbacks: on the machines we measure, the three a fetch task caused (the circuit's
cache read, the broker's bookkeeping of the message and its acknowledgement) cost more CPU
than the task's own database writes. A ``redis.Redis`` object is safe to share between
threads (every command takes a connection from the pool), so one per pool is enough; after a
fork the pool itself drops its parent's connections.
"""

from __future__ import annotations

from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    _reused_client = None

    def _create_client(self, asynchronous=False):
        if asynchronous:
            return super()._create_client(asynchronous=True)
        client = self._reused_client
        if client is None or client.connection_pool is not self.pool:
            client = self._reused_client = super()._create_client(asynchronous=False)
        return client


class Transport(kombu_redis.Transport):
    """kombu's Redis transport (``redis://`` only), its synchronous client reused per channel."""

    Channel = Channel
