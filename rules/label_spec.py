"""The label specification of a functional rule version: the fields an annotator fills in.

A specification is a list of fields, each a JSON object::

    {"name": "preferred", "type": "ranking", "label": "Rank the answers",
     "required": true, "options": ["Answer A", "Answer B", "Answer C"]}

Types: ``single_choice`` and ``multiple_choice`` (``options``), ``rating`` (``min``, ``max``),
``free_text`` (``max_length``), ``ranking`` (``options``: the responses to order).
"""

from typing import Any

import jsonschema

FIELD_TYPES = ("single_choice", "multiple_choice", "rating", "free_text", "ranking")
FREE_TEXT_LIMIT = 20_000

SCHEMA = {
    "type": "array",
    "minItems": 1,
    "maxItems": 50,
    "items": {
        "type": "object",
        "required": ["name", "type", "label"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,49}$"},
            "type": {"enum": list(FIELD_TYPES)},
            "label": {"type": "string", "minLength": 1, "maxLength": 300},
            "help": {"type": "string", "maxLength": 2000},
            "required": {"type": "boolean"},
            "options": {"type": "array", "maxItems": 100,
                        "items": {"type": "string", "minLength": 1, "maxLength": 300}},
            "min": {"type": "integer", "minimum": -1000000, "maximum": 1000000},
            "max": {"type": "integer", "minimum": -1000000, "maximum": 1000000},
            "max_length": {"type": "integer", "minimum": 1, "maximum": FREE_TEXT_LIMIT},
        },
    },
}


def label_spec_errors(spec: Any) -> list[str]:
    """Return every problem of a label specification, each naming the field it concerns."""
    validator = jsonschema.Draft202012Validator(SCHEMA)
    errors = []
    for error in sorted(validator.iter_errors(spec), key=lambda e: list(e.absolute_path)):
        where = _where(spec, list(error.absolute_path))
        errors.append(f"{where}: {error.message}")
    if errors:
        return errors

    seen: set[str] = set()
    for index, field in enumerate(spec):
        where = _where(spec, [index])
        name, kind = field["name"], field["type"]
        if name in seen:
            errors.append(f"{where}: the name {name!r} is used twice")
        seen.add(name)
        options = field.get("options", [])
        if kind in {"single_choice", "multiple_choice", "ranking"}:
            if len(options) < 2:
                errors.append(f"{where}: a {kind} field needs at least two options")
            if len(set(options)) != len(options):
                errors.append(f"{where}: its options repeat")
        elif options:
            errors.append(f"{where}: a {kind} field takes no options")
        if kind == "rating":
            if "min" not in field or "max" not in field:
                errors.append(f"{where}: a rating needs min and max")
            elif field["min"] >= field["max"]:
                errors.append(f"{where}: a rating needs min below max")
        elif "min" in field or "max" in field:
            errors.append(f"{where}: only a rating takes min and max")
        if "max_length" in field and kind != "free_text":
            errors.append(f"{where}: only free text takes max_length")
    return errors


def label_errors(spec: list[dict], payload: Any) -> list[str]:
    """Return every problem of a submitted label against a (valid) specification."""
    if not isinstance(payload, dict):
        return ["The label must be an object of field names to values."]
    errors = []
    known = {field["name"] for field in spec}
    errors.extend(f"Unknown field {name!r}." for name in payload if name not in known)
    for field in spec:
        name, kind = field["name"], field["type"]
        value = payload.get(name)
        if value is None or value in ("", []):
            if field.get("required"):
                errors.append(f"{field['label']} ({name}) is required.")
            continue
        problem = _value_problem(field, kind, value)
        if problem:
            errors.append(f"{field['label']} ({name}): {problem}")
    return errors


def _value_problem(field: dict, kind: str, value: Any) -> str | None:
    options = field.get("options", [])
    if kind == "single_choice":
        return None if value in options else "choose one of the options."
    if kind == "multiple_choice":
        if not isinstance(value, list) or any(v not in options for v in value):
            return "choose from the options."
        return "an option is chosen twice." if len(set(value)) != len(value) else None
    if kind == "rating":
        if not isinstance(value, int) or isinstance(value, bool):
            return "give a whole number."
        return None if field["min"] <= value <= field["max"] else (
            f"give a number from {field['min']} to {field['max']}.")
    if kind == "free_text":
        if not isinstance(value, str):
            return "give text."
        limit = field.get("max_length", FREE_TEXT_LIMIT)
        return None if len(value) <= limit else f"keep it within {limit} characters."
    if kind == "ranking" and (not isinstance(value, list) or sorted(value) != sorted(options)):
        return "order every response exactly once."
    return None


def _where(spec: Any, path: list) -> str:
    if not path:
        return "Label specification"
    index = path[0]
    name = None
    if isinstance(spec, list) and isinstance(index, int) and index < len(spec):
        item = spec[index]
        name = item.get("name") if isinstance(item, dict) else None
    where = f"Field {index + 1}" if isinstance(index, int) else f"Field {index}"
    if name:
        where += f" ({name!r})"
    if len(path) > 1:
        where += " " + ".".join(str(part) for part in path[1:])
    return where
