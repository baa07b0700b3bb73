"""Reads of the compliance app: who may read the report, the snapshots, and how a frozen
report compares with the same report made now."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.http import Http404

from .models import ComplianceSnapshot
from .permissions import VIEW_REPORT
from .report import compliance_report
from .services import report_hash, scope_task


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
