"""The clause-by-clause compliance report, recomputed from the rows whenever it is made."""

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from annotation.models import Task

from .core import Figure, Scope, Section, Status, worst
from .review import section_approval, section_sampling
from .storage import section_audit, section_segregation
from .work import section_rules, section_separation, section_time
from .workforce import credentials_at_work, section_exams, section_training

__all__ = ["Figure", "Report", "Scope", "Section", "Status", "compliance_report"]


@dataclass
class Report:
    scope: Scope
    generated_at: datetime
    sections: list[Section]
    audit_head: str

    @property
    def status(self) -> str:
        return worst(section.status for section in self.sections)

    def section(self, clause: str) -> Section:
        return next(section for section in self.sections if section.clause == clause)

    def as_dict(self) -> dict:
        return {"scope": self.scope.as_dict(), "generated_at": self.generated_at.isoformat(),
                "status": self.status, "audit_head": self.audit_head,
                "sections": [section.as_dict() for section in self.sections]}


def compliance_report(*, period_from: date, period_to: date, task: Task | None = None,
                      verify_trail: bool = True) -> Report:
    """Recompute every section of the report for the period and scope from the rows.
    ``verify_trail`` False leaves out the walk of the whole audit trail (a glance at the
    other sections, as on the dashboard)."""
    scope = Scope(period_from=period_from, period_to=period_to, task=task)
    at_work = credentials_at_work(scope)
    sections = [section_training(scope, at_work), section_exams(scope, at_work),
                section_separation(scope), section_time(scope), section_rules(scope),
                section_sampling(scope), section_approval(scope), section_segregation()]
    head = ""
    if verify_trail:
        audit, head = section_audit()
        sections.append(audit)
    return Report(scope=scope, generated_at=timezone.now(), sections=sections,
                  audit_head=head)
