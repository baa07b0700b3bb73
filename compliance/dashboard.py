"""The managers' home: each task's progress and queues, labels per day, time against the
deadline, credentials about to expire, quality alerts, and the report at a glance."""

from collections import defaultdict
from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, F, Sum
from django.db.models.functions import Least, TruncDate
from django.urls import reverse
from django.utils import timezone

from annotation.models import Batch, FunctionalLabel, Item, Task
from annotation.selectors import capacity_shortfalls, task_list_for_actor
from annotators.selectors import credential_list_for_actor
from review.selectors import signal_list, waiting_checks
from safety_labels.models import SafetyLabel

from .report import compliance_report

CHART_DAYS = 14
CHART_WIDTH, CHART_HEIGHT = 560, 140


def _progress(task_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per task, labels made and labels asked for, on items not invalidated."""
    rows = (Item.objects.filter(task_id__in=task_ids)
            .exclude(batch__state=Batch.State.INVALIDATED).values("task_id")
            .annotate(asked=Sum(F("task__labels_per_item")),
                      done=Sum(Least(F("labels_done"), F("task__labels_per_item"))))
            .order_by())
    return {row["task_id"]: (row["done"] or 0, row["asked"] or 0) for row in rows}


def _queues(tasks: list[Task]) -> dict[int, dict[str, int]]:
    """Per task, the work waiting: sampled labels to check, safety labels to approve,
    escalations to rule on, items to label again."""
    ids = [task.pk for task in tasks]
    queues: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for task_id, n in waiting_checks().filter(sample__batch__task_id__in=ids) \
            .values_list("sample__batch__task_id").annotate(n=Count("pk")).order_by():
        queues[task_id]["checks"] = n
    for task_id, status, n in SafetyLabel.objects.filter(
            task_id__in=ids, status__in=[SafetyLabel.Status.SUBMITTED,
                                         SafetyLabel.Status.ESCALATED]) \
            .values_list("task_id", "status").annotate(n=Count("pk")).order_by():
        queues[task_id]["approvals" if status == SafetyLabel.Status.SUBMITTED
                        else "escalations"] = n
    again = (Item.objects.filter(task_id__in=ids, open_slots__gt=0)
             .filter(leases__state__in=["failed", "superseded"]).values("task_id")
             .annotate(n=Count("pk", distinct=True)).order_by())
    for row in again:
        queues[row["task_id"]]["again"] = row["n"]
    return queues


def labels_per_day(task_ids: list[int], *, days: int = CHART_DAYS) -> list[dict]:
    """Labels made per day over the last ``days`` days, oldest first, with the bars' sizes."""
    today = timezone.localdate()
    since = timezone.now() - timedelta(days=days)
    counts: dict = defaultdict(int)
    for model, task_field in ((FunctionalLabel, "task_id"), (SafetyLabel, "task_id")):
        for day, n in (model.objects.filter(**{f"{task_field}__in": task_ids},
                                            submitted_at__gte=since)
                       .annotate(day=TruncDate("submitted_at")).values_list("day")
                       .annotate(n=Count("pk")).order_by()):
            counts[day] += n
    series = [{"day": today - timedelta(days=offset), "labels": 0}
              for offset in range(days - 1, -1, -1)]
    for row in series:
        row["labels"] = counts.get(row["day"], 0)
    top = max((row["labels"] for row in series), default=0) or 1
    width = CHART_WIDTH / days
    for index, row in enumerate(series):
        height = round(CHART_HEIGHT * row["labels"] / top, 1)
        row.update(x=round(index * width + 2, 1), width=round(width - 4, 1), height=height,
                   y=round(CHART_HEIGHT - height, 1))
    return series


def dashboard(*, actor: AbstractBaseUser) -> dict:
    tasks = list(task_list_for_actor(actor=actor).exclude(state=Task.State.CLOSED))
    ids = [task.pk for task in tasks]
    progress, queues = _progress(ids), _queues(tasks)
    short = {capacity.task.pk: capacity for capacity in capacity_shortfalls(tasks=tasks)}
    now = timezone.now()
    rows = []
    for task in tasks:
        done, asked = progress.get(task.pk, (0, 0))
        rows.append({"task": task, "done": done, "asked": asked,
                     "percent": round(100 * done / asked) if asked else 0,
                     "queues": dict(queues.get(task.pk, {})),
                     "time_left": task.deadline_at - now if task.deadline_at else None,
                     "shortfall": short.get(task.pk)})
    today = timezone.localdate()
    # The walk of the whole audit trail is left to the full report.
    glance = compliance_report(period_from=today - timedelta(days=29), period_to=today,
                               verify_trail=False)
    return {
        "rows": rows, "chart": labels_per_day(ids), "chart_width": CHART_WIDTH,
        "chart_height": CHART_HEIGHT, "shortfalls": list(short.values()),
        "expiring": list(credential_list_for_actor(actor=actor, expiring_within_days=30)
                         .filter(status="active")[:20]),
        "alerts": list(signal_list().filter(created_at__gte=now - timedelta(days=30))[:10]),
        "glance": glance.as_dict(),
        "report_url": reverse("compliance:report"),
    }
