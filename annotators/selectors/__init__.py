"""Reads of the workforce that views, the API and other apps share: roles, training, exams,
credentials, people, and sign-in. Other apps call ``has_active_credential``,
``active_credential_exists`` and ``credential_list_for_actor``."""

from .credentials import (
    EXPIRING_WITHIN_DAYS_MAX,
    active_credential_exists,
    assignment_list_for_actor,
    credential_get_for_actor,
    credential_history,
    credential_history_qs,
    credential_list_for_actor,
    has_active_credential,
    policy_get,
    policy_list,
)
from .exams import (
    ExamShortfall,
    attempt_answered_count,
    attempt_get_for_actor,
    attempt_list_for_actor,
    attempt_questions,
    exam_get,
    exam_list,
    exam_question_list,
    exam_shortfalls,
    question_image_get,
)
from .people import (
    PersonOverview,
    WorkerOverview,
    person_get,
    person_list_for_manager,
    person_overview,
    worker_overview,
)
from .roles import (
    MANAGE_WORKFORCE,
    ROLE_FOR_GROUP,
    can_manage_workforce,
    user_is_manager,
    user_roles,
)
from .sign_in import (
    SignInLockout,
    TokenNotFound,
    account_lockout,
    address_lockout,
    api_token_find_for_actor,
    api_token_get_for_actor,
    api_token_list_for_actor,
    recovery_codes_left,
    sign_in_cool_off,
    two_factor_enrolled,
    two_factor_pending_device,
    two_factor_required,
)
from .training import (
    CourseReading,
    course_get,
    course_list,
    course_missing_topics,
    course_reading,
    module_get,
    module_next,
    training_overview,
    training_record_list_for_actor,
)

__all__ = [
    "EXPIRING_WITHIN_DAYS_MAX", "MANAGE_WORKFORCE", "ROLE_FOR_GROUP", "CourseReading",
    "ExamShortfall", "PersonOverview", "SignInLockout", "TokenNotFound", "WorkerOverview",
    "account_lockout", "active_credential_exists", "address_lockout",
    "api_token_find_for_actor", "api_token_get_for_actor",
    "api_token_list_for_actor", "assignment_list_for_actor", "attempt_answered_count",
    "attempt_get_for_actor", "attempt_list_for_actor", "attempt_questions",
    "can_manage_workforce", "course_get", "course_list", "course_missing_topics",
    "course_reading", "credential_get_for_actor", "credential_history",
    "credential_history_qs", "credential_list_for_actor", "exam_get", "exam_list",
    "exam_question_list", "exam_shortfalls", "has_active_credential", "module_get",
    "module_next", "person_get", "person_list_for_manager", "person_overview", "policy_get",
    "policy_list", "question_image_get", "recovery_codes_left", "sign_in_cool_off",
    "training_overview", "training_record_list_for_actor", "two_factor_enrolled",
    "two_factor_pending_device", "two_factor_required", "user_is_manager", "user_roles",
    "worker_overview",
]
