"""The changes an event's data records, for reading: ``before``/``after`` or ``from``/``to``."""

from dataclasses import dataclass
from typing import Any

from .models import canonical_json

PAIRS = (("before", "after"), ("from", "to"))


@dataclass(frozen=True)
class FieldChange:
    """One value as it was and as it became; ``field`` is empty for a change of the whole
    (a state ``from`` one ``to`` another)."""

    field: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return canonical_json(value)


def event_changes(data: Any) -> list[FieldChange]:
    """Return the changes recorded in an event's ``data``, one per field when both sides are
    objects (the union of their keys, in order), else one for the whole value. Empty when
    the data holds no ``before``/``after`` or ``from``/``to`` pair."""
    if not isinstance(data, dict):
        return []
    for old_key, new_key in PAIRS:
        if old_key not in data and new_key not in data:
            continue
        old, new = data.get(old_key), data.get(new_key)
        if isinstance(old, dict | type(None)) and isinstance(new, dict | type(None)) \
                and (old or new):
            old, new = old or {}, new or {}
            fields = list(dict.fromkeys([*old, *new]))
            return [FieldChange(str(name), _text(old.get(name)), _text(new.get(name)))
                    for name in fields]
        return [FieldChange("", _text(old), _text(new))]
    return []


def event_details(data: Any) -> list[tuple[str, str]]:
    """Return the rest of an event's data (what ``event_changes`` does not show) as
    ``(key, text)`` pairs, in key order."""
    if not isinstance(data, dict):
        return [("", _text(data))] if data not in (None, "") else []
    shown = next(({old_key, new_key} for old_key, new_key in PAIRS
                  if old_key in data or new_key in data), set())
    return [(str(key), _text(value)) for key, value in sorted(data.items())
            if key not in shown]
