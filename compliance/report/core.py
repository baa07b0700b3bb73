"""The shape of the compliance report: a period and scope, and for each requirement of the
standard's annotation section a status, the figures it rests on and the rows behind them."""

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone

from annotation.models import Task


class Status:
    HOLDS = "holds"
    AT_RISK = "at_risk"
    VIOLATED = "violated"
    ORDER = (HOLDS, AT_RISK, VIOLATED)
    LABELS = {HOLDS: "Holds", AT_RISK: "At risk", VIOLATED: "Violated"}


@dataclass
class Figure:
    """One number of a section, recomputed from the rows, with where to see them. ``must``
    names the value the requirement asks for (e.g. 0), when there is one."""

    key: str
    label: str
    value: int | str
    link: str = ""
    must: int | None = None

    @property
    def breaks(self) -> bool:
        return self.must is not None and self.value != self.must


@dataclass
class Section:
    clause: str
    title: str
    requirement: str
    figures: list[Figure] = field(default_factory=list)
    # Evidence lists: name -> rows (dicts of plain values), each row with a "link" if any.
    evidence: dict[str, list[dict]] = field(default_factory=dict)
    risks: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    # Where a figure's rows are shown when it names no page of its own.
    rows_url: str = ""

    def add(self, key: str, label: str, value, *, link: str = "", must: int | None = None,
            why: str = "") -> Figure:
        """Add a figure; one that differs from what it must be is a violation, said ``why``."""
        figure = Figure(key=key, label=label, value=value, link=link or self.rows_url,
                        must=must)
        self.figures.append(figure)
        if figure.breaks:
            self.violations.append(why or f"{label}: {value} (must be {must}).")
        return figure

    @property
    def status(self) -> str:
        if self.violations:
            return Status.VIOLATED
        return Status.AT_RISK if self.risks else Status.HOLDS

    def figure(self, key: str) -> Figure:
        return next(figure for figure in self.figures if figure.key == key)

    def as_dict(self) -> dict:
        return {"clause": self.clause, "title": self.title, "requirement": self.requirement,
                "status": self.status, "violations": self.violations, "risks": self.risks,
                "figures": [asdict(figure) for figure in self.figures],
                "evidence": self.evidence}


@dataclass(frozen=True)
class Scope:
    """The period (whole days, in the site's time zone) and the tasks a report covers."""

    period_from: date
    period_to: date
    task: Task | None = None

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.period_from, time.min))

    @property
    def end(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.period_to + timedelta(days=1),
                                                    time.min))

    def tasks(self):
        tasks = Task.objects.all()
        return tasks.filter(pk=self.task.pk) if self.task is not None else tasks

    def tasks_url(self) -> str:
        """The scope's task page, or the list of tasks."""
        return reverse("annotation:task-manage", args=[self.task.pk]) if self.task \
            else reverse("annotation:task-manage-list")

    def batches_url(self) -> str:
        """The scope's batch board, or the list of tasks (each links its board)."""
        return reverse("review:batch-board", args=[self.task.pk]) if self.task \
            else reverse("annotation:task-manage-list")

    def task_ids(self) -> list[int]:
        return [self.task.pk] if self.task is not None else \
            list(Task.objects.values_list("pk", flat=True))

    def as_dict(self) -> dict:
        return {"from": self.period_from.isoformat(), "to": self.period_to.isoformat(),
                "task": self.task.pk if self.task else None,
                "task_name": self.task.name if self.task else None}


def worst(statuses) -> str:
    return max(statuses, key=Status.ORDER.index, default=Status.HOLDS)
