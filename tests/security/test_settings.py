"""Production settings: refuse unsafe values, pass `check --deploy`, Argon2 first.

Settings are read once, at import, so each case imports them in a fresh process.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import check_password, make_password
from django.test import override_settings

from healthcare import settings as project_settings

BASE_DIR = Path(__file__).resolve().parents[2]
GOOD_KEY = "k3Y-" + "x7Qm9vR2pL8sT4wZ" * 4
PRODUCTION = {
    "PRODUCTION": "true",
    "DEBUG": "false",
    "SECRET_KEY": GOOD_KEY,
    "ALLOWED_HOSTS": "clinic.example.org",
    "REDIS_URL": "redis://127.0.0.1:6379/9",
    "EMAIL_URL": "smtp+tls://clinic:secret@smtp.example.org:587",
    "DATABASE_URL": "sqlite:////tmp/healthcare-settings-test.sqlite3",
}
SHOW = (
    "import json, django; from django.conf import settings as s; django.setup(); "
    "print(json.dumps({k: getattr(s, k) for k in ("
    "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_SSL_REDIRECT', "
    "'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_PROXY_SSL_HEADER', "
    "'SILENCED_SYSTEM_CHECKS', 'DEBUG')}))"
)


def run(args, **overrides):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CACHE_URL", "EMAIL_URL"}
    }
    env.update({"DJANGO_SETTINGS_MODULE": "healthcare.settings", **PRODUCTION, **overrides})
    env = {key: value for key, value in env.items() if value is not None}
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=60
    )


def test_check_deploy_reports_nothing():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "DEBUG"])

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_values_are_strict():
    result = run(["-c", SHOW])

    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_SSL_REDIRECT"]
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert not values["DEBUG"]
    # Only the check about Django's own RedisCache is silenced in production.
    assert values["SILENCED_SYSTEM_CHECKS"] == ["django_ratelimit.W001"]


def test_a_proxy_header_is_trusted_only_when_configured():
    result = run(["-c", SHOW], SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https")

    assert json.loads(result.stdout)["SECURE_PROXY_SSL_HEADER"] == [
        "HTTP_X_FORWARDED_PROTO",
        "https",
    ]
    assert json.loads(run(["-c", SHOW]).stdout)["SECURE_PROXY_SSL_HEADER"] is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DEBUG": "true"}, "DEBUG must be off"),
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY"),
        ({"SECRET_KEY": "django-insecure-" + "a" * 50}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS"),
        ({"REDIS_URL": None}, "REDIS_URL"),
    ],
    ids=["debug-on", "no-key", "short-key", "insecure-key", "no-hosts", "no-redis"],
)
def test_production_refuses_to_start_with_unsafe_values(overrides, message):
    result = run(["-c", "import healthcare.settings"], **overrides)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_the_embedded_default_silences_the_shared_cache_error_deliberately():
    result = run(["-c", SHOW], PRODUCTION="false", REDIS_URL=None)

    assert json.loads(result.stdout)["SILENCED_SYSTEM_CHECKS"] == [
        "django_ratelimit.W001",
        "django_ratelimit.E003",
    ]


def test_argon2_hashes_new_passwords_and_old_hashes_still_verify():
    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    with override_settings(PASSWORD_HASHERS=project_settings.PASSWORD_HASHERS):
        encoded = make_password("plum-orchard-lantern-42")
        old = make_password("plum-orchard-lantern-42", hasher="pbkdf2_sha256")

        assert encoded.startswith("argon2$argon2id$")
        assert check_password("plum-orchard-lantern-42", encoded)
        assert check_password("plum-orchard-lantern-42", old)


def test_djangos_password_validators_are_on():
    names = [v["NAME"].rsplit(".", 1)[1] for v in project_settings.AUTH_PASSWORD_VALIDATORS]

    assert names == [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ]
