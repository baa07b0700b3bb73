"""The workforce: roles, training, exams, credentials and their lifecycle, and API tokens."""

from .choices import GROUP_FOR_ROLE, Ability, CredentialKind, Role, Topic
from .credentials import (
    VALIDITY_DAYS_MAX,
    VALIDITY_DAYS_MIN,
    Assignment,
    Credential,
    CredentialEvent,
    CredentialPolicy,
)
from .exams import (
    PASS_MARK_VALIDATORS,
    AttemptAnswer,
    Exam,
    ExamAttempt,
    Question,
    validate_pass_mark_floor,
)
from .tokens import ApiToken
from .training import Course, Module, ModuleProgress, TrainingRecord

__all__ = [
    "GROUP_FOR_ROLE", "PASS_MARK_VALIDATORS", "VALIDITY_DAYS_MAX", "VALIDITY_DAYS_MIN",
    "Ability", "ApiToken", "Assignment", "AttemptAnswer", "Course", "Credential",
    "CredentialEvent", "CredentialKind", "CredentialPolicy", "Exam", "ExamAttempt", "Module",
    "ModuleProgress", "Question", "Role", "Topic", "TrainingRecord",
    "validate_pass_mark_floor",
]
