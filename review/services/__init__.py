"""Every write of the review app: samples, checks and batch decisions, safety approvals,
quality signals and exports."""

from .approvals import (
    safety_approval_next,
    safety_label_approve,
    safety_label_escalate_to_manager,
    safety_label_reject,
    safety_label_rule,
)
from .checks import sample_check_next, sample_check_record
from .exports import export_job_create, export_job_download, export_job_run, export_rows
from .quality import quality_evaluate, quality_policy_update
from .sampling import batches_sample_due, sample_draw, sample_draw_by_hand

__all__ = [
    "batches_sample_due", "export_job_create", "export_job_download",
    "export_job_run", "export_rows", "quality_evaluate", "quality_policy_update",
    "safety_approval_next", "safety_label_approve", "safety_label_escalate_to_manager",
    "safety_label_reject", "safety_label_rule", "sample_check_next", "sample_check_record",
    "sample_draw", "sample_draw_by_hand",
]
