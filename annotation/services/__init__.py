"""Every write of the annotation app: tasks, memberships, imports, leases and labels."""

from .announcements import rule_version_announce, rule_versions_announce_due
from .imports import import_job_create, import_job_run
from .labels import lease_submit
from .leases import lease_next, lease_skip, leases_release_for_stopped_credential
from .memberships import membership_add, membership_remove
from .reconcile import leases_expire_due, safety_labels_reconcile
from .tasks import task_create, task_move_rule_version, task_set_state, task_update

__all__ = [
    "import_job_create", "import_job_run", "lease_next", "lease_skip", "lease_submit",
    "leases_expire_due", "leases_release_for_stopped_credential", "membership_add",
    "membership_remove", "rule_version_announce", "rule_versions_announce_due",
    "safety_labels_reconcile",
    "task_create", "task_move_rule_version", "task_set_state", "task_update",
]
