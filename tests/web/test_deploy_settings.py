"""Production settings: `check --deploy` is clean with the documented variables, and start-up
fails clearly when a secret is missing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "k" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz-_!@#$%",
    "DATABASE_URL": "postgres://pharmastock@127.0.0.1:5432/pharmastock",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "ALLOWED_HOSTS": "pharmastock.example.com",
    "DEBUG": "0",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    keep = {"PATH", "HOME", "LANG", "PYTHONPATH", "VIRTUAL_ENV"}
    clean = {k: v for k, v in os.environ.items() if k in keep}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_check_deploy_is_clean_with_production_settings() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.slow
def test_static_files_collect_under_the_production_storage(tmp_path: Path) -> None:
    """The manifest storage rewrites every reference between static files (a vendored
    library's source map too) and refuses to collect when one is missing; pages would then
    answer 500 in production."""
    env = {
        **PRODUCTION_ENV,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
    }

    result = manage("collectstatic", "--noinput", env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = {**PRODUCTION_ENV, "SECRET_KEY": ""}

    result = manage("check", env=env)

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.slow
def test_check_deploy_fails_when_a_protection_is_turned_off() -> None:
    """The clean check above is not vacuous: without HSTS the same command fails."""
    env = {**PRODUCTION_ENV, "SECURE_HSTS_SECONDS": "0"}

    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr


@pytest.mark.slow
def test_production_debug_stays_off_and_trusts_the_tls_proxy() -> None:
    env = {
        **PRODUCTION_ENV,
        "DEBUG": "1",
        "CSRF_TRUSTED_ORIGINS": "https://pharmastock.example.com",
    }
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SECURE_PROXY_SSL_HEADER, s.SECURE_HSTS_SECONDS >= 31536000, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.CSRF_TRUSTED_ORIGINS)"
    )

    result = manage("shell", "-c", code, env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "False ('HTTP_X_FORWARDED_PROTO', 'https') True True True "
        "['https://pharmastock.example.com']"
    )


DEPLOYMENT_TOPICS = [
    "gunicorn",
    "--workers",
    "-Q default",
    "-Q heavy",
    "--max-tasks-per-child",
    "--time-limit",
    "DatabaseScheduler",
    "visibility_timeout",
    "CELERY_LONGEST_TASK_LIMIT",
    "ANALYZE",
    "PgBouncer",
    "X-Forwarded-Proto",
    "CSRF_TRUSTED_ORIGINS",
    "HSTS",
    "collectstatic",
    "whitenoise",
    "manage.py migrate",
    "check --deploy",
    "/healthz",
    "SECRET_KEY",
    "backup-restore.md",
]


def test_the_deployment_guide_covers_every_moving_part() -> None:
    guide = (ROOT / "docs" / "deployment.md").read_text()

    missing = [topic for topic in DEPLOYMENT_TOPICS if topic not in guide]

    assert missing == []
