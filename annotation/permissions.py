"""Permission codenames of the annotation app."""

MANAGE_TASKS = "annotation.manage_task"
ANNOTATE_TASK = "annotation.annotate_task"
REVIEW_TASK = "annotation.review_task"
