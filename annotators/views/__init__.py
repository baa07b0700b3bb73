"""Workforce pages, one module per area: workers' training and exams, managers' people and
credentials, and managers' editors of courses, exams and policies."""

from .common import managers_only, show_refusal
from .exams import attempt_detail, attempt_submit, exam_start, question_image
from .people import credential_action, people, person_detail, schedule_retraining
from .setup import course_edit, course_list, exam_edit, exam_list, policy_edit, policy_list
from .training import course_detail, course_start, module_confirm, module_detail, my_workforce

__all__ = [
    "attempt_detail", "attempt_submit", "course_detail", "course_edit", "course_list",
    "course_start", "credential_action", "exam_edit", "exam_list", "exam_start",
    "managers_only", "module_confirm", "module_detail", "my_workforce", "people",
    "person_detail", "policy_edit", "policy_list", "question_image", "schedule_retraining",
    "show_refusal",
]
