"""Every write of the workforce app. Other apps call these, and ``has_active_credential``."""

from ..selectors import has_active_credential
from .credentials import (
    CredentialTransitionRefused,
    assignment_schedule,
    credential_qs_select_for_update,
    credential_reinstate,
    credential_revoke,
    credential_suspend,
    report_quality_failure,
)
from .exams import (
    AttemptRefused,
    attempt_answer,
    attempt_grade_if_due,
    attempt_start,
    attempt_submit,
)
from .people import UsernameTaken, person_create
from .setup import (
    course_create,
    exam_create,
    module_add,
    policy_update,
    question_add,
)
from .sweep import workforce_sweep
from .training import training_confirm_module, training_open_module, training_start

__all__ = [
    "AttemptRefused", "CredentialTransitionRefused", "UsernameTaken", "assignment_schedule",
    "attempt_answer", "attempt_grade_if_due", "attempt_start", "attempt_submit", "course_create",
    "credential_qs_select_for_update", "credential_reinstate", "credential_revoke",
    "credential_suspend", "exam_create", "has_active_credential", "module_add",
    "person_create", "policy_update", "question_add", "report_quality_failure",
    "training_confirm_module", "training_open_module", "training_start", "workforce_sweep",
]
