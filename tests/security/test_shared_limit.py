"""The log-in limit holds across app processes: two servers, one Redis, one count.

Starts two `manage.py runserver --noreload` processes on loopback ports against a
throwaway SQLite database and Redis database 9 (flushed first), and alternates wrong
passwords between them. With per-process counters each would have seen only half of
the attempts and the eleventh would still be a plain 401. Skipped only when Redis is
unreachable and REDIS_URL is not set (CI's PostgreSQL+Redis pass sets it, so it runs).
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
import redis

BASE_DIR = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/9"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post_json(url, data):
    request = urllib.request.Request(
        url, data=json.dumps(data).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def wait_until_up(base, process, log):
    for _ in range(100):
        if process.poll() is not None:
            pytest.fail(f"the server stopped: {log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base}/api/", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    pytest.fail(f"the server did not start: {log.read_text()}")


@pytest.fixture
def shared_redis():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("REDIS_URL"):
            pytest.fail("REDIS_URL is set but Redis at 127.0.0.1:6379 does not answer")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def two_servers(shared_redis, tmp_path):
    env = {
        **os.environ,
        "PRODUCTION": "false",
        "DEBUG": "false",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": f"shared-limit-{uuid.uuid4().hex}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SETTINGS_MODULE": "healthcare.settings",
    }
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=BASE_DIR)
    servers, processes = [], []
    try:
        for n in range(2):
            port = free_port()
            log = tmp_path / f"server{n}.log"
            with log.open("w") as out:
                processes.append(
                    subprocess.Popen(
                        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
                        env=env,
                        cwd=BASE_DIR,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
            servers.append(f"http://127.0.0.1:{port}")
            wait_until_up(servers[-1], processes[-1], log)
        yield servers
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def test_two_app_processes_share_the_log_in_limit(two_servers):
    credentials = {"email": "target@example.org", "password": "a-wrong-guess"}
    for attempt in range(10):
        status, _headers = post_json(f"{two_servers[attempt % 2]}/api/auth/token", credentials)
        assert status == 401, f"attempt {attempt + 1} answered {status}"

    for server in two_servers:
        status, headers = post_json(f"{server}/api/auth/token", credentials)
        assert status == 429
        assert int(headers["Retry-After"]) > 0
