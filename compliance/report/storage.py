"""Clause d, checked live: safety annotation data is stored apart; and the audit trail that
all the other figures can be traced through is intact."""

import re
from pathlib import Path

from django.conf import settings
from django.core.files.storage import storages
from django.db import connections
from django.urls import reverse

from audit.selectors import audit_chain_verify

from .core import Section

RISK_CODE = re.compile(r"\bA\.[1-5]\.[a-z]\b")
# Where the main database keeps what people wrote about labels and decisions; none of it may
# name a risk category of a label (the trail of rule editing names categories, rightly).
LABEL_TEXT_COLUMNS = [
    ("annotation_functionallabel", "payload", ""),
    ("review_samplecheck", "note", ""),
    ("review_batchdecision", "evidence", ""),
    ("review_qualitysignal", "evidence", ""),
    # Nor do what people typed that was refused (a username, a path): that is not a label.
    ("audit_auditevent", "data", "action NOT LIKE 'risk\\_rule.%%' ESCAPE '\\' "
                                 "AND action NOT LIKE 'auth.%%' AND action <> 'request.refused'"),
]


def risk_codes_in_main_database() -> list[dict]:
    """Rows of the main database whose label text names a risk category (must be none)."""
    connection = connections["default"]
    found = []
    with connection.cursor() as cursor:
        for table, column, condition in LABEL_TEXT_COLUMNS:
            name, col = connection.ops.quote_name(table), connection.ops.quote_name(column)
            where = [f"CAST({col} AS TEXT) LIKE '%%A._._%%'"]
            if condition:
                where.append(condition)
            cursor.execute(f"SELECT id, CAST({col} AS TEXT) FROM {name} "  # noqa: S608
                           f"WHERE {' AND '.join(where)}")
            found.extend({"table": table, "id": pk} for pk, text in cursor.fetchall()
                         if RISK_CODE.search(text or ""))
    return found


def _tables(alias: str) -> set[str]:
    connection = connections[alias]
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def _identity(alias: str) -> tuple:
    config = settings.DATABASES[alias]
    return (config["ENGINE"], str(config.get("HOST", "")), str(config.get("PORT", "")),
            str(config["NAME"]))


def section_segregation() -> Section:
    section = Section("d", "Segregated storage of safety annotation data",
                      "Safety annotation data is stored apart from everything else.")
    section.add("separate_databases", "The safety database is a database of its own",
                "yes" if _identity("default") != _identity("safety") else "no", must="yes")
    misplaced = sorted(name for name in _tables("default") if name.startswith("safety_labels_"))
    section.evidence["safety_tables_in_main_database"] = [{"table": name} for name in misplaced]
    section.add("safety_tables_in_main", "Safety tables in the main database", len(misplaced),
                must=0)
    others = sorted(name for name in _tables("safety")
                    if not name.startswith("safety_labels_") and name != "django_migrations")
    section.evidence["other_tables_in_safety_database"] = [{"table": name} for name in others]
    section.add("other_tables_in_safety", "Other tables in the safety database", len(others),
                must=0)
    leaks = risk_codes_in_main_database()
    section.evidence["risk_codes_in_main_database"] = leaks
    section.add("risk_codes_in_main", "Rows of the main database naming a label's risk codes",
                len(leaks), must=0)
    exports = Path(storages["safety_exports"].location).resolve()
    media = Path(settings.MEDIA_ROOT).resolve()
    section.add("safety_exports_apart", "Safety exports are written apart from other files",
                "no" if exports.is_relative_to(media) or media.is_relative_to(exports)
                else "yes", must="yes")
    return section


def section_audit() -> tuple[Section, str]:
    """The audit trail checked link by link; returns the section and the head hash."""
    section = Section("audit", "The audit trail",
                      "Every change is recorded in an append-only, keyed and chained trail; "
                      "keep the head hash somewhere else to detect a truncated trail.")
    chain = audit_chain_verify()
    section.add("events", "Events checked", chain.events_checked,
                link=reverse("compliance:audit-list"))
    section.add("intact", "The chain is intact", "yes" if chain.intact else "no", must="yes",
                why=f"The chain breaks at event {chain.first_break.event_id}: "
                    f"{chain.first_break.reason}." if chain.first_break else "")
    section.add("head", "Head hash", chain.last_hash)
    return section, chain.last_hash
