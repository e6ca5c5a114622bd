"""The public catalogue pages' content, rendered once per version of the catalogue.

The catalogue and the petition type pages show the same thing to everyone (per language,
category and search): the petition types, their fields and the information the portal fetches
for them. Their content is kept in the cache under a version of the catalogue, and every save or
delete of a model they show (``receivers.py``) starts a new version, so a change shows at once.
Entries also expire after ``CATALOGUE_CACHE_SECONDS`` (600), in the cache and in each process's
own copy. The rest of the page (the header with the
account, the CSRF token of the language switcher) is rendered for each request as before.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache
from django.utils.safestring import mark_safe

VERSION_KEY = "petitions:catalogue:version"
# Entries this process has read, by their cache key (which holds the version): reading the
# version stays one cache round trip per request, the content none once seen.
LOCAL_ENTRIES = 256
_local: OrderedDict[str, tuple[float, object]] = OrderedDict()
_local_lock = threading.Lock()


def _timeout() -> int:
    return getattr(settings, "CATALOGUE_CACHE_SECONDS", 600)


def catalogue_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY) or "0"
    return version


def catalogue_changed(**kwargs) -> None:
    """A model the catalogue shows was saved or deleted: a new version, the old entries unused."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def cached(name: str, parts: list, build):
    """``build()`` (a string or a dict of strings), kept per catalogue version and ``parts``."""
    if _timeout() <= 0:
        return build()
    digest = hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:32]
    key = f"petitions:catalogue:{name}:{catalogue_version()}:{digest}"
    now = time.monotonic()
    with _local_lock:
        entry = _local.get(key)
        if entry is not None and entry[0] > now:
            _local.move_to_end(key)
            return entry[1]
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, _timeout())
    with _local_lock:
        _local[key] = (now + _timeout(), value)
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)
    return value


def safe(html: str):
    return mark_safe(html)  # noqa: S308 (rendered by our own templates, autoescaped there)
