"""Every write of the workforce app. Other apps call these, and ``has_active_credential``."""

from ..selectors import has_active_credential
from .accounts import (
    AccountNotLocked,
    AccountPermissionDenied,
    PasswordChangeRefused,
    TokenRevocationReason,
    api_token_issue,
    api_token_revoke,
    api_token_revoke_all,
    password_change,
    person_unlock,
)
from .common import PersonNotFound
from .credentials import (
    CredentialTransitionRefused,
    assignment_schedule,
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
from .locks import credential_qs_select_for_update
from .people import RoleGrantRefused, UsernameTaken, person_create
from .setup import (
    course_create,
    exam_create,
    module_add,
    policy_update,
    question_add,
)
from .sweep import workforce_sweep
from .training import training_confirm_module, training_open_module, training_start
from .two_factor import (
    TwoFactorAlreadyEnrolled,
    TwoFactorCodeRequired,
    TwoFactorCodeWrong,
    TwoFactorNotEnrolled,
    TwoFactorResetRefused,
    two_factor_enrolment_confirm,
    two_factor_enrolment_start,
    two_factor_reset,
    two_factor_verify,
)

__all__ = [
    "AccountNotLocked", "AccountPermissionDenied", "AttemptRefused",
    "CredentialTransitionRefused", "PasswordChangeRefused", "PersonNotFound",
    "RoleGrantRefused", "TokenRevocationReason", "TwoFactorAlreadyEnrolled",
    "TwoFactorCodeRequired", "TwoFactorCodeWrong", "TwoFactorNotEnrolled",
    "TwoFactorResetRefused", "UsernameTaken", "api_token_issue", "api_token_revoke",
    "api_token_revoke_all", "assignment_schedule", "attempt_answer", "attempt_grade_if_due",
    "attempt_start", "attempt_submit", "course_create", "credential_qs_select_for_update",
    "credential_reinstate", "credential_revoke", "credential_suspend", "exam_create",
    "has_active_credential", "module_add", "password_change", "person_create", "person_unlock",
    "policy_update", "question_add", "report_quality_failure", "training_confirm_module",
    "training_open_module", "training_start", "two_factor_enrolment_confirm",
    "two_factor_enrolment_start", "two_factor_reset", "two_factor_verify", "workforce_sweep",
]
