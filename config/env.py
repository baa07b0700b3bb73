"""Reading the environment for the settings: typed variables, the databases' URLs, and the
secrets a development run keeps under ``var/``. Imports nothing of Django's but its
configuration error, so that ``config/settings.py`` stays a list of settings."""

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

INSECURE_KEY_PREFIX = "django-insecure-"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    normalised = value.strip().lower()
    if normalised in {"1", "true", "yes", "on"}:
        return True
    if normalised in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean; use true or false.")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [part.strip() for part in value.split(",") if part.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None


def secret_key_weakness(key: str) -> str | None:
    """Say why ``key`` is unfit for production, or return None if it is fit."""
    if not key:
        return "it is not set"
    if key.startswith(INSECURE_KEY_PREFIX):
        return f"it starts with {INSECURE_KEY_PREFIX!r}"
    if len(key) < 50 or len(set(key)) < 5:
        return "it is shorter than 50 characters or has fewer than 5 distinct characters"
    return None


def kept_secret(var_dir: Path, name: str, *, length: int) -> str:
    """A random secret of a development run, made once and kept in ``var_dir/name`` (readable
    by its owner only, never committed), so that it survives restarts."""
    path = var_dir / name
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(length))
        path.chmod(0o600)
    return path.read_text().strip()


def derived_key(secret_key: str, purpose: bytes) -> str:
    """A key for ``purpose`` derived from ``SECRET_KEY`` (an HMAC of the purpose under it)."""
    return hmac.new(secret_key.encode(), purpose, hashlib.sha256).hexdigest()


def database(variable: str, var_dir: Path, sqlite_file: str) -> dict:
    """The database the URL in ``variable`` names, or else a SQLite file under ``var_dir``."""
    url = os.environ.get(variable)
    if url:
        return dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    var_dir.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": var_dir / sqlite_file,
        # IMMEDIATE transactions serialise writers instead of failing one of them midway.
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
    }


def database_identity(config: dict) -> tuple:
    """What tells two database settings apart: engine, host, port and name."""
    return (config["ENGINE"], str(config.get("HOST", "")), str(config.get("PORT", "")),
            str(config["NAME"]))
