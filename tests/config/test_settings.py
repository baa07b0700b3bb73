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
                    "DJANGO_ALLOW_ASYNC_UNSAFE", "HTTPS", "AUDIT_CHAIN_KEY",
                    "REQUIRE_TWO_FACTOR", "API_TOKEN_HOURS", "LOGIN_FAILURE_LIMIT",
                    "LOGIN_ADDRESS_FAILURE_LIMIT")


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
        assert result.stderr.startswith("Configuration error: Refusing to start")
        assert "SECRET_KEY" in result.stderr
        assert "Traceback" not in result.stderr

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
            tmp_path, **{**production_env(), "ALLOWED_HOSTS": "127.0.0.1,localhost"},
            HTTPS="false")

        assert value == "(False, False, False)"

    def test_https_is_on_by_default_with_debug_off(self, tmp_path):
        value = settings_value("(settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS)",
                               tmp_path, **production_env())

        assert value == "(True, 31536000)"


    def test_https_false_is_refused_for_public_hosts(self, tmp_path):
        result = run_manage("check", tmp_path=tmp_path, **production_env(), HTTPS="false")

        assert result.returncode != 0
        assert "HTTPS=false is only for a local run" in result.stderr
        assert "annotation.example.com" in result.stderr


class TestSignInSettings:
    def test_two_factor_is_off_in_development(self, tmp_path):
        assert settings_value("settings.REQUIRE_TWO_FACTOR", tmp_path, DEBUG="true") == "False"

    def test_two_factor_is_on_in_production(self, tmp_path):
        value = settings_value("settings.REQUIRE_TWO_FACTOR", tmp_path, **production_env())

        assert value == "True"

    def test_two_factor_is_off_for_a_local_run_over_loopback(self, tmp_path):
        value = settings_value(
            "settings.REQUIRE_TWO_FACTOR", tmp_path,
            **{**production_env(), "ALLOWED_HOSTS": "127.0.0.1,localhost"}, HTTPS="false")

        assert value == "False"

    @pytest.mark.parametrize(("debug", "wanted"), [("true", "True"), ("false", "False")])
    def test_two_factor_follows_its_variable_when_set(self, tmp_path, debug, wanted):
        env = production_env() if debug == "false" else {"DEBUG": "true"}

        value = settings_value("settings.REQUIRE_TWO_FACTOR", tmp_path, **env,
                               REQUIRE_TWO_FACTOR="true" if wanted == "True" else "false")

        assert value == wanted

    def test_tokens_last_eight_hours_unless_told(self, tmp_path):
        default = settings_value("settings.REST_KNOX['TOKEN_TTL']", tmp_path, DEBUG="true")
        set_ = settings_value("settings.REST_KNOX['TOKEN_TTL']", tmp_path, DEBUG="true",
                              API_TOKEN_HOURS="24")

        assert (default, set_) == ("8:00:00", "1 day, 0:00:00")

    def test_refuses_tokens_that_never_expire(self, tmp_path):
        result = run_manage("check", tmp_path=tmp_path, DEBUG="true", API_TOKEN_HOURS="0")

        assert result.returncode != 0
        assert "API_TOKEN_HOURS=0 must be between 1 and 720" in result.stderr

    def test_locks_accounts_by_username_and_addresses_on_a_higher_limit(self, tmp_path):
        value = settings_value(
            "(settings.AXES_LOCKOUT_PARAMETERS, settings.AXES_FAILURE_LIMIT,"
            " settings.LOGIN_ADDRESS_FAILURE_LIMIT)", tmp_path, DEBUG="true")

        assert value == "(['username'], 5, 50)"

    def test_refuses_an_address_limit_not_above_the_account_limit(self, tmp_path):
        result = run_manage("check", tmp_path=tmp_path, DEBUG="true",
                            LOGIN_ADDRESS_FAILURE_LIMIT="5")

        assert result.returncode != 0
        assert "LOGIN_ADDRESS_FAILURE_LIMIT=5 must be above LOGIN_FAILURE_LIMIT=5" \
            in result.stderr


PRODUCTION_PAGES = """
from django.test import Client
client = Client()
login = client.get("/accounts/login/", secure=True)
print("login", login.status_code, "/static/css/app." in login.content.decode())
print("plain-http", client.get("/accounts/login/").status_code)
from django.contrib.auth import get_user_model
from annotators.models import Role
from annotators.services import person_create
person_create(actor=None, username="prod.check", password="a-long-password-42",
              role=Role.ANNOTATOR)
response = client.post("/accounts/login/", {"username": "prod.check",
                       "password": "a-long-password-42"}, secure=True)
session = response.cookies["sessionid"]
print("session", session["secure"] is True, session["httponly"] is True, session["samesite"])
print("csrf", response.cookies["csrftoken"]["secure"] is True)
print("hsts", "max-age=31536000" in client.get("/manage/", secure=True).get(
    "Strict-Transport-Security", ""))
api = client.get("/api/v1/risk-categories/", secure=True,
                 HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
print("api", api.status_code, api["Content-Type"])
person_create(actor=None, username="prod.manager", password="a-long-password-42",
              role=Role.MANAGER)
manager = Client()
manager.post("/accounts/login/", {"username": "prod.manager", "password": "a-long-password-42"},
             secure=True)
held = manager.get("/manage/", secure=True)
print("manager", held.status_code, held["Location"])
"""


class TestProductionServing:
    """Pages served with production settings: manifest static files, secure cookies, no
    browsable API. Runs a fresh process on its own SQLite files."""

    def test_pages_cookies_and_api(self, tmp_path):
        env = {**production_env(), "ALLOWED_HOSTS": "testserver",
               "STATIC_ROOT": str(tmp_path / "static")}
        for step in (["migrate", "-v", "0"], ["collectstatic", "--no-input", "-v", "0"]):
            done = run_manage(*step, tmp_path=tmp_path, **env)
            assert done.returncode == 0, done.stderr

        result = run_manage("shell", "--no-imports", "-c", PRODUCTION_PAGES,
                            tmp_path=tmp_path, **env)

        assert result.returncode == 0, result.stderr
        assert result.stdout.split("\n")[:7] == [
            "login 200 True", "plain-http 301", "session True True Lax", "csrf True",
            "hsts True", "api 200 application/json",
            "manager 302 /accounts/two-factor/setup/?next=%2Fmanage%2F"]
