"""Settings are read in a fresh process for each case, as they are at start-up."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
CONFIG_VARIABLES = ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "SAFETY_DATABASE_URL",
                    "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CACHE_URL", "VAR_DIR",
                    "DJANGO_ALLOW_ASYNC_UNSAFE", "HTTPS")


def run_manage(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    clean.update({"VAR_DIR": str(tmp_path / "var"), "DJANGO_SETTINGS_MODULE": "config.settings"})
    clean.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=clean,
                          capture_output=True, text=True, timeout=120, check=False)


def settings_value(expression: str, tmp_path: Path, **env: str) -> str:
    result = run_manage("shell", "--no-imports", "-c",
                        f"from django.conf import settings; print({expression})",
                        tmp_path=tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def production_env() -> dict[str, str]:
    return {"DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "annotation.example.com"}


class TestEmbeddedDefault:
    def test_with_nothing_set_uses_two_sqlite_files_under_var(self, tmp_path):
        engines = settings_value("[d['ENGINE'] for d in settings.DATABASES.values()]", tmp_path)
        names = settings_value("[str(d['NAME']) for d in settings.DATABASES.values()]", tmp_path)

        assert engines == "['django.db.backends.sqlite3', 'django.db.backends.sqlite3']"
        assert f"{tmp_path}/var/main.sqlite3" in names
        assert f"{tmp_path}/var/safety.sqlite3" in names

    def test_with_nothing_set_runs_celery_tasks_eagerly_in_development_mode(self, tmp_path):
        value = settings_value("(settings.CELERY_TASK_ALWAYS_EAGER, settings.DEBUG)", tmp_path)

        assert value == "(True, True)"

    def test_a_broker_turns_eager_mode_off(self, tmp_path):
        value = settings_value("settings.CELERY_TASK_ALWAYS_EAGER", tmp_path,
                               CELERY_BROKER_URL="redis://127.0.0.1:6379/9")

        assert value == "False"

    def test_refuses_the_same_database_for_both_aliases(self, tmp_path):
        url = "postgres://u@127.0.0.1:5432/awm"

        result = run_manage("check", tmp_path=tmp_path, DEBUG="true", DATABASE_URL=url,
                            SAFETY_DATABASE_URL=url)

        assert result.returncode != 0
        assert "name the same database" in result.stderr


class TestProductionMode:
    def test_refuses_to_start_without_a_secret_key(self, tmp_path):
        result = run_manage("check", tmp_path=tmp_path, DEBUG="false")

        assert result.returncode != 0
        assert "Refusing to start" in result.stderr
        assert "SECRET_KEY" in result.stderr
        assert "Traceback" not in result.stderr.split("ImproperlyConfigured")[-1]

    @pytest.mark.parametrize("key", ["django-insecure-" + "x1y2z3" * 10, "short-key",
                                     "a" * 60])
    def test_refuses_to_start_with_a_weak_secret_key(self, tmp_path, key):
        result = run_manage("check", tmp_path=tmp_path, DEBUG="false", SECRET_KEY=key)

        assert result.returncode != 0
        assert "SECRET_KEY is unfit for production" in result.stderr

    def test_refuses_when_database_url_is_set_and_debug_is_not(self, tmp_path):
        result = run_manage("check", tmp_path=tmp_path,
                            DATABASE_URL=f"sqlite:///{tmp_path}/a.sqlite3",
                            SAFETY_DATABASE_URL=f"sqlite:///{tmp_path}/b.sqlite3")

        assert result.returncode != 0
        assert "Refusing to start" in result.stderr

    def test_check_deploy_reports_nothing(self, tmp_path):
        result = run_manage("check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path,
                            **production_env())

        assert result.returncode == 0, result.stdout + result.stderr
        assert "System check identified no issues" in result.stdout

    def test_cookies_are_secure_httponly_and_samesite(self, tmp_path):
        value = settings_value(
            "(settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY,"
            " settings.SESSION_COOKIE_SAMESITE, settings.CSRF_COOKIE_SECURE)",
            tmp_path, **production_env())

        assert value == "(True, True, 'Lax', True)"

    def test_the_browsable_api_is_off(self, tmp_path):
        renderers = settings_value("settings.REST_FRAMEWORK['DEFAULT_RENDERER_CLASSES']",
                                   tmp_path, **production_env())

        assert "BrowsableAPIRenderer" not in renderers
        assert "JSONRenderer" in renderers

    def test_the_browsable_api_is_on_in_development(self, tmp_path):
        renderers = settings_value("settings.REST_FRAMEWORK['DEFAULT_RENDERER_CLASSES']",
                                   tmp_path, DEBUG="true")

        assert "BrowsableAPIRenderer" in renderers


class TestLocalServe:
    """``make run`` serves with DEBUG off over plain HTTP on the loopback address."""

    def test_https_false_keeps_production_pages_but_allows_plain_http(self, tmp_path):
        value = settings_value(
            "(settings.DEBUG, settings.SESSION_COOKIE_SECURE, settings.SECURE_SSL_REDIRECT)",
            tmp_path, **production_env(), HTTPS="false")

        assert value == "(False, False, False)"

    def test_https_is_on_by_default_with_debug_off(self, tmp_path):
        value = settings_value("(settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS)",
                               tmp_path, **production_env())

        assert value == "(True, 31536000)"
