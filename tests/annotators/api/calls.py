"""Calling the workforce API from tests."""

from django.urls import reverse


def url(name: str, *args) -> str:
    return reverse(f"api:workforce:{name}", args=args)


def post(client, path, data=None):
    return client.post(path, data or {}, content_type="application/json")


def keys_in(value) -> set[str]:
    """Every dictionary key anywhere in a JSON value."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_in(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_in(v)}
    return set()
