"""People and their roles. Training, exams and credentials join this module later."""

from django.db import models


class Role(models.TextChoices):
    """The three kinds of user; each has a group of the same name and a home page."""

    MANAGER = "manager", "Manager"
    REVIEWER = "reviewer", "Reviewer"
    ANNOTATOR = "annotator", "Annotator"


GROUP_FOR_ROLE = {
    Role.MANAGER: "Managers",
    Role.REVIEWER: "Reviewers",
    Role.ANNOTATOR: "Annotators",
}
