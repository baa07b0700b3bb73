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


def env_int(name: str, default: int, *, low: int | None = None,
            high: int | None = None) -> int:
    """The whole number in ``name``, or ``default``; outside ``low``..``high`` (when given)
    the app refuses to start, naming the bounds."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        number = default
    else:
        try:
            number = int(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if (low is not None and number < low) or (high is not None and number > high):
        raise ImproperlyConfigured(f"{name}={number} must be between {low} and {high}.")
    return number


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


def secret_key(*, debug: bool, var_dir: Path) -> str:
    """``SECRET_KEY`` from the environment; in development, one kept under ``var_dir`` when
    unset. Outside development a missing or weak key stops the app from starting."""
    key = os.environ.get("SECRET_KEY", "")
    if debug:
        return key or kept_secret(var_dir, "development-secret-key", length=50)
    if weakness := secret_key_weakness(key):
        raise ImproperlyConfigured(
            f"Refusing to start: DEBUG is off and SECRET_KEY is unfit for production "
            f"({weakness}). Set SECRET_KEY to a long random value, for example the output of "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(50))'`, "
            "or set DEBUG=true for local development.")
    return key


AUDIT_CHAIN_KEY_MINIMUM_LENGTH = 32


def audit_chain_key(*, debug: bool, var_dir: Path, secret_key: str) -> tuple[str, str]:
    """The key of the audit trail's HMAC chain, and where it came from.

    The chain is keyed so that whoever can write to the database cannot rewrite events and
    recompute their hashes undetected. A production deployment sets ``AUDIT_CHAIN_KEY`` and
    keeps it apart from the database and its backups. Unset, a development run keeps one
    under ``var_dir`` and any other run derives one from ``SECRET_KEY``: still outside the
    database, but then changing ``SECRET_KEY`` makes every event written before unverifiable.
    Changing this key has the same effect.
    """
    key = os.environ.get("AUDIT_CHAIN_KEY", "").strip()
    if key:
        if len(key) < AUDIT_CHAIN_KEY_MINIMUM_LENGTH:
            raise ImproperlyConfigured(
                f"AUDIT_CHAIN_KEY is shorter than {AUDIT_CHAIN_KEY_MINIMUM_LENGTH} characters. "
                "Set it to a long random value, for example the output of "
                "`python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`.")
        return key, "environment"
    if debug:
        return (kept_secret(var_dir, "development-audit-chain-key", length=48),
                "kept in a development file under VAR_DIR")
    return (derived_key(secret_key, b"annotation-workforce audit chain key"),
            "derived from SECRET_KEY")
