"""gunicorn's settings for production: `gunicorn healthcare.wsgi` reads this file.

Each value can be set from the environment, so one file serves every machine:
GUNICORN_BIND (default 127.0.0.1:8000; a load balancer in front), WEB_CONCURRENCY
(worker processes, default 2 × cores + 1), GUNICORN_THREADS (threads per worker,
default 1: plain sync workers), GUNICORN_TIMEOUT (seconds before a stuck worker is
replaced). Workers are recycled after a few thousand requests (with jitter, so they do
not all restart at once). Access logs are off: the app writes one JSON line per request
itself, with its request id (healthcare/core/ops.py).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
backlog = 2048
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
# Load the app once in the master and fork: faster start, less memory. No database
# connection is opened at import time, so none is shared between workers.
preload_app = True
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = os.environ.get("GUNICORN_PROC_NAME", "healthcare")
# Behind a load balancer on the same network: trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def when_ready(server):
    """With preload_app the master has imported Django; import the URLconf (and so every
    view module) too, so each forked worker starts warm, with the code the master loaded."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (loading them is the point)
