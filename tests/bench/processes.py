"""Small helpers the benchmarks share for the processes they start."""

from __future__ import annotations

import contextlib
import os
import socket
from pathlib import Path


def free_port() -> int:
    """A TCP port on the loopback that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pid: int, *, with_children: bool = True) -> float:
    """CPU time (user + system) a process has used, from /proc; with its direct children (a
    prefork pool, gunicorn's workers) unless told otherwise. A process that is gone counts 0."""
    pids = [pid]
    if with_children:
        with contextlib.suppress(OSError):
            pids += [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    total = 0.0
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total
