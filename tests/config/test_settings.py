"""The README's configuration promises: settings from the environment, a clean deploy check."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings.base import redis_url_next_db

ROOT = Path(__file__).resolve().parents[2]
# Long and varied enough for check W009; used nowhere else.
PRODUCTION_KEY = "Zq8vR2mK7xT4pL9wN3bH6jC1fD5gS0aY8uE2iO7rW4tQ9zX3cV6"


def test_the_cache_uses_the_redis_database_after_the_brokers():
    assert redis_url_next_db("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/1"
    assert redis_url_next_db("redis://:secret@redis.internal:6380") == (
        "redis://:secret@redis.internal:6380/1"
    )


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean_env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "EMAIL_", "REDIS_", "SECRET_", "ALLOWED_"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check_without_warning():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=PRODUCTION_KEY,
        ALLOWED_HOSTS="passerelle.example.org",
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_its_secrets(missing):
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": PRODUCTION_KEY,
        "ALLOWED_HOSTS": "passerelle.example.org",
    }
    del env[missing]

    result = run_manage("check", **env)

    assert result.returncode != 0
    assert missing in result.stderr


def test_an_empty_database_url_counts_as_unset():
    result = run_manage(
        "shell",
        "-c",
        "from django.db import connection; print(connection.vendor)",
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL="",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "sqlite"


@pytest.mark.parametrize(("proxies", "expected"), [(None, "1"), ("2", "2")])
def test_production_trusts_one_proxy_for_client_addresses_unless_told(proxies, expected):
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": PRODUCTION_KEY,
        "ALLOWED_HOSTS": "passerelle.example.org",
    }
    if proxies is not None:
        env["API_NUM_PROXIES"] = proxies

    result = run_manage(
        "shell",
        "-c",
        "from rest_framework.settings import api_settings; print(api_settings.NUM_PROXIES)",
        **env,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected
