"""How many CPU-heavy operations run at once on this machine, with a short queue.

Password hashing (Argon2) takes tens of milliseconds of a whole core. Unbounded, a burst
of log-ins takes every core, and every other request waits behind them. `bounded(name)`
lets at most `slots` of them run at once across every app process and thread of the
machine, lets `queue` more wait up to `wait` seconds for a turn, and refuses the rest at
once with `Busy`: a 503 with Retry-After (the API's `unavailable`; a page for browsers),
answered in microseconds, so the site's other pages keep their cores.

Slots are files locked with flock(2) in a directory of the machine's (the kernel frees a
lock when its process dies, so a killed worker never keeps one). Settings:
`CPU_BOUND_SLOTS` ({name: (slots, queue, wait seconds)}), `CPU_BOUND_LOCK_DIR`.
"""

import contextlib
import fcntl
import os
import time
from pathlib import Path

from django.conf import settings

from healthcare.core.ratelimits import LimiterUnavailable

POLL_SECONDS = 0.005


class Busy(LimiterUnavailable):
    """Every slot is taken and the queue is full (or the wait ran out): try again in a
    second."""

    def __init__(self, limit):
        super().__init__(limit)
        self.retry_after = 1


def _lock_dir():
    path = Path(settings.CPU_BOUND_LOCK_DIR)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _try_lock(path):
    """An open, locked file descriptor for `path`, or None if someone holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _release(fd):
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


def _take_one(paths):
    for path in paths:
        fd = _try_lock(path)
        if fd is not None:
            return fd
    return None


@contextlib.contextmanager
def bounded(name):
    """Run the block in one of `name`'s slots; raise Busy if none comes free in time."""
    slots, queue, wait = settings.CPU_BOUND_SLOTS[name]
    directory = _lock_dir()
    running = [directory / f"{name}.run.{i}" for i in range(slots)]
    fd = _take_one(running)
    if fd is None:
        place = _take_one([directory / f"{name}.queue.{i}" for i in range(queue)])
        if place is None:
            raise Busy(name)
        try:
            deadline = time.monotonic() + wait
            while fd is None:
                if time.monotonic() >= deadline:
                    raise Busy(name)
                time.sleep(POLL_SECONDS)
                fd = _take_one(running)
        finally:
            _release(place)
    try:
        yield
    finally:
        _release(fd)
