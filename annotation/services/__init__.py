"""Every write of the annotation app: tasks, memberships, imports, leases and labels."""

from .announcements import rule_version_announce, rule_versions_announce_due
from .imports import import_job_create, import_job_run
from .memberships import membership_add, membership_remove
from .tasks import task_create, task_move_rule_version, task_set_state, task_update
from .work import (
    lease_next,
    lease_skip,
    lease_submit,
    leases_expire_due,
    safety_labels_reconcile,
)

__all__ = [
    "import_job_create", "import_job_run", "lease_next", "lease_skip", "lease_submit",
    "leases_expire_due", "membership_add", "membership_remove", "rule_version_announce",
    "rule_versions_announce_due",
    "safety_labels_reconcile",
    "task_create", "task_move_rule_version", "task_set_state", "task_update",
]
