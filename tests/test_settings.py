"""The settings module reads in one pass: what a reader sees is what Django runs.

The production refusals and security values are tested in tests/security/test_settings.py.
"""

import ast
import inspect

from django.conf import settings

from healthcare import settings as project_settings

DECLARED_ONCE = {"INSTALLED_APPS", "MIDDLEWARE", "TEMPLATES"}


def test_middleware_runs_in_the_order_the_settings_list_it():
    assert settings.MIDDLEWARE == [
        # Cache-Control on every final answer, the request log's 503 included.
        "healthcare.core.http.NoStoreMiddleware",
        # The request log sees every answer, the database's quick 503 included.
        "healthcare.core.ops.RequestLogMiddleware",
        "healthcare.core.ops.DatabaseUnavailableMiddleware",
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.csp.ContentSecurityPolicyMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
        # From here, the browsers' middleware (healthcare.core.browser, accounts): the API
        # passes through it (tests/security/test_headers.py: what the API still gets).
        "healthcare.core.browser.SessionMiddleware",
        # Needs the session; runs before anything that reads the user from it.
        "accounts.sessions.SessionIdleTimeoutMiddleware",
        "healthcare.core.browser.LocaleMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "healthcare.core.browser.AuthenticationMiddleware",
        # Need the user: a log-in owing its second factor reaches only the code page; a
        # completed one gets its device cookie.
        "accounts.second_factor.SecondFactorMiddleware",
        "accounts.devices.LoginDeviceMiddleware",
        # Needs the user: their account's language (tests/i18n/test_languages.py).
        "accounts.languages.UserLanguageMiddleware",
        "healthcare.core.browser.MessageMiddleware",
        "healthcare.core.browser.HtmxMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
        # Innermost, so a RateLimited raised by a view becomes a 429 before anything else.
        "healthcare.core.ratelimits.RateLimitMiddleware",
    ]


def test_apps_middleware_and_templates_are_declared_once_and_never_changed_later():
    tree = ast.parse(inspect.getsource(project_settings))
    mentions = [
        node for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id in DECLARED_ONCE
    ]
    # One mention each, as the target of a plain top-level assignment: no insert, append,
    # += or item assignment further down the file.
    assignments = [
        target.id
        for statement in tree.body
        if isinstance(statement, ast.Assign)
        for target in statement.targets
        if isinstance(target, ast.Name) and target.id in DECLARED_ONCE
    ]
    assert sorted(node.id for node in mentions) == sorted(DECLARED_ONCE)
    assert sorted(assignments) == sorted(DECLARED_ONCE)


def test_the_settings_module_imports_only_at_the_top():
    tree = ast.parse(inspect.getsource(project_settings))
    first_statement = next(
        statement
        for statement in tree.body[1:]  # after the docstring
        if not isinstance(statement, ast.Import | ast.ImportFrom)
    )
    late_imports = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom) and node.lineno > first_statement.lineno
    ]
    assert late_imports == []
