"""Production settings: `manage.py check --deploy --fail-level WARNING` passes with the production
environment (nothing silenced), and real responses of that configuration carry the security
headers: HSTS, an HTTPS redirect, and a Content Security Policy with nothing inline or evaluated."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_security_headers import directives

ROOT = Path(__file__).resolve().parent.parent
# What a deployment sets (README, "Security headers"); Redis is only named here, not contacted.
SERVICE_VARS = ("DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CELERY_TASK_ALWAYS_EAGER",
                "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "ATELIER_HTTPS", "ATELIER_SERVE_MEDIA")


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    # Nothing of the test run's own environment: the services' URLs, our settings, and the
    # browser tests' DJANGO_ALLOW_ASYNC_UNSAFE (which no deployment sets).
    env = {k: v for k, v in os.environ.items()
           if k not in SERVICE_VARS and not k.startswith("ATELIER_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DJANGO_SETTINGS_MODULE="atelier.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="atelier.example",
        ATELIER_HTTPS="1",
        CACHE_URL="redis://127.0.0.1:6379/7",
        DATABASE_URL=f"sqlite:///{tmp_path / 'production.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


def test_the_deploy_check_passes_with_production_settings(production_env):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_deploy_check_fails_without_https(production_env):
    """The control: the same check does fail on a configuration that is not fit to deploy."""
    del production_env["ATELIER_HTTPS"]
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env)
    assert result.returncode != 0
    assert "security.W004" in result.stderr  # no HSTS
    assert "security.W008" in result.stderr  # no HTTPS redirect


# Real responses through the whole middleware stack of the production settings: a page that is not
# there (Django's HTML 404), the OpenAPI schema, and a plain-HTTP request.
PROBE = """
import json, django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="atelier.example")
out = {}
for name, path, secure in (("html", "/en/no-such-page/", True), ("schema", "/api/schema/", True),
                           ("plain", "/en/", False)):
    response = client.get(path, secure=secure)
    out[name] = {"status": response.status_code, "headers": dict(response.headers)}
print(json.dumps(out))
"""


@pytest.fixture
def production_responses(production_env) -> dict:
    result = run(["-c", PROBE], production_env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_responses_carry_hsts_and_a_strict_policy(production_responses):
    for name in ("html", "schema"):
        response = production_responses[name]
        headers = response["headers"]
        assert response["status"] == (404 if name == "html" else 200)
        hsts = headers["Strict-Transport-Security"]
        assert "max-age=31536000" in hsts and "includeSubDomains" in hsts and "preload" in hsts
        policy = directives(headers["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["default-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert "upgrade-insecure-requests" in policy
        assert "unsafe" not in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert "camera=()" in headers["Permissions-Policy"]


def test_production_redirects_plain_http_to_https(production_responses):
    plain = production_responses["plain"]
    assert plain["status"] == 301
    assert plain["headers"]["Location"] == "https://atelier.example/en/"


# The secret key: with DEBUG off there is no fallback ---------------------------------------------
@pytest.mark.parametrize("key", [None, "", "django-insecure-atelier-local-runs-only"],
                         ids=["unset", "empty", "the development key"])
@pytest.mark.parametrize("start", [["manage.py", "check", "--deploy"], ["-c", "import atelier.wsgi"]],
                         ids=["manage.py", "wsgi (gunicorn)"])
def test_without_a_secret_key_of_its_own_the_site_refuses_to_start(production_env, key, start):
    production_env.pop("SECRET_KEY")
    if key is not None:
        production_env["SECRET_KEY"] = key
    result = run(start, production_env)
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set. With DEBUG off" in result.stderr


def test_a_debug_run_needs_no_secret_key(production_env):
    """`make run` (DEBUG=1) works on a fresh machine without one."""
    del production_env["SECRET_KEY"], production_env["ATELIER_HTTPS"]
    production_env["DEBUG"] = "1"
    result = run(["manage.py", "check"], production_env)
    assert result.returncode == 0, result.stderr
