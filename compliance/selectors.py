"""Reads of the compliance app: who may read the report, the snapshots, and how a frozen
report compares with the same report made now."""

import hashlib

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.http import Http404

from annotation.models import Task
from audit.models import canonical_json
from config.errors import NotFound

from .models import ComplianceSnapshot
from .permissions import VIEW_REPORT
from .report import compliance_report


class ScopeTaskNotFound(NotFound):
    code = "task_not_found"


def report_hash(content: dict) -> str:
    """The hash a frozen report is known by: SHA-256 of its canonical JSON."""
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


def scope_task(task_id: int | None) -> Task | None:
    """:raises ScopeTaskNotFound: for a task that does not exist."""
    if task_id is None:
        return None
    task = Task.objects.filter(pk=task_id).first()
    if task is None:
        raise ScopeTaskNotFound(f"There is no task {task_id}.")
    return task


def require_report_reader(actor: AbstractBaseUser) -> None:
    """Managers and compliance officers read the report; anyone else finds no such page."""
    if not actor.is_authenticated or not actor.has_perm(VIEW_REPORT):
        raise Http404("No such page.")


def snapshot_list() -> QuerySet[ComplianceSnapshot]:
    return ComplianceSnapshot.objects.select_related("task", "created_by") \
        .order_by("-created_at", "-pk")


def snapshot_get(*, snapshot_id: int) -> ComplianceSnapshot:
    snapshot = snapshot_list().filter(pk=snapshot_id).first()
    if snapshot is None:
        raise Http404("No such snapshot.")
    return snapshot


def snapshot_compare(*, snapshot: ComplianceSnapshot) -> dict:
    """Whether the frozen report is still the one whose hash was recorded, and, figure by
    figure, whether the report made now over the same period and scope agrees with it."""
    live = compliance_report(period_from=snapshot.period_from, period_to=snapshot.period_to,
                             task=scope_task(snapshot.task_id)).as_dict()
    now = {(section["clause"], figure["key"]): figure["value"]
           for section in live["sections"] for figure in section["figures"]}
    rows = []
    for section in snapshot.report["sections"]:
        for figure in section["figures"]:
            if section["clause"] == "audit":
                continue    # the trail grows by design: its head and length move on
            current = now.get((section["clause"], figure["key"]))
            rows.append({"clause": section["clause"], "key": figure["key"],
                         "label": figure["label"], "frozen": figure["value"], "now": current,
                         "agrees": current == figure["value"]})
    return {"intact": report_hash(snapshot.report) == snapshot.report_hash,
            "agrees": all(row["agrees"] for row in rows), "figures": rows,
            "status_now": live["status"]}
