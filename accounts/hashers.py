"""The password hasher: Argon2id with OWASP's parameters, a bounded number at a time, at a
low CPU priority.

OWASP's Password Storage Cheat Sheet: Argon2id with at least 19 MiB of memory, 2
iterations and 1 degree of parallelism. Django's defaults (100 MiB, 8 lanes) make each
check take every core of a small machine for tens of milliseconds. Here one check takes
one core; `healthcare.core.concurrency.bounded("password-hashing")` keeps the number of
checks running at once on the machine below its cores (settings' CPU_BOUND_SLOTS; beyond
a short queue a log-in is answered 503 with Retry-After at once); and each process
hashes in a thread of its own whose CPU priority is lowered (`PASSWORD_HASHING_NICE`,
Linux's per-thread nice), so the pages being served meanwhile get the CPU first. A burst
of log-ins waits for its turn; it never takes the CPU from the rest of the site.

Stored hashes keep their parameters: an older one (Django's defaults) is still checked,
and re-hashed with these at its owner's next log-in (Django's must_update).
"""

import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher

from healthcare.core.concurrency import bounded

CPU_BOUND = "password-hashing"
_executor = None
_executor_lock = threading.Lock()


def _lower_priority():
    # Not Linux, or not allowed: the thread keeps the normal priority.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), settings.PASSWORD_HASHING_NICE)


def _in_hashing_thread(function, *args):
    """Run `function` in this process's hashing thread (argon2 releases the GIL, so the
    rest of the process runs meanwhile) and wait for it."""
    global _executor
    if _executor is None:
        with _executor_lock:
            if _executor is None:
                _executor = ThreadPoolExecutor(
                    max_workers=1, thread_name_prefix="hashing", initializer=_lower_priority
                )
    return _executor.submit(function, *args).result()


class BoundedArgon2PasswordHasher(Argon2PasswordHasher):
    """`argon2`, as Django's hasher (same algorithm name, so every stored hash works)."""

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1

    def encode(self, password, salt):
        with bounded(CPU_BOUND):
            return _in_hashing_thread(super().encode, password, salt)

    def verify(self, password, encoded):
        with bounded(CPU_BOUND):
            return _in_hashing_thread(super().verify, password, encoded)
