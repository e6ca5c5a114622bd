"""Running a coroutine from a test, whatever the test's thread already runs.

The browser tests keep Playwright's synchronous API open for the whole session, and it leaves
an event loop marked as running in the main thread; a later test's ``asyncio.run`` would then
refuse ("cannot be called from a running event loop"). A thread of its own has no loop."""

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

_T = TypeVar("_T")


def run_coroutine(make_coroutine: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()
