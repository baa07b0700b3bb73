"""Choices every part of the workforce shares: roles, credential kinds, topics, abilities."""

from django.db import models


class Role(models.TextChoices):
    """The kinds of user; each has a group of the same name and a home page. A compliance
    officer reads the compliance report and the audit trail, and changes nothing."""

    MANAGER = "manager", "Manager"
    COMPLIANCE_OFFICER = "compliance_officer", "Compliance officer"
    REVIEWER = "reviewer", "Reviewer"
    ANNOTATOR = "annotator", "Annotator"


GROUP_FOR_ROLE = {
    Role.MANAGER: "Managers",
    Role.COMPLIANCE_OFFICER: "Compliance officers",
    Role.REVIEWER: "Reviewers",
    Role.ANNOTATOR: "Annotators",
}


class CredentialKind(models.TextChoices):
    """Track (functional or safety) times function (annotate or review)."""

    FUNCTIONAL_ANNOTATE = "functional_annotate", "Functional annotation"
    FUNCTIONAL_REVIEW = "functional_review", "Functional review"
    SAFETY_ANNOTATE = "safety_annotate", "Safety annotation"
    SAFETY_REVIEW = "safety_review", "Safety review"

    @classmethod
    def for_task(cls, *, safety: bool, function: str) -> "CredentialKind":
        """The credential that lets a person hold ``function`` ("annotate" or "review") in a
        safety task (``safety``) or a functional one: the one place this mapping lives."""
        return cls(f"{'safety' if safety else 'functional'}_{function}")


class Topic(models.TextChoices):
    """The four training topics the standard mandates (clause a.1)."""

    TASK_RULES = "task_rules", "Annotation task rules"
    TOOL_USE = "tool_use", "Using the annotation tools"
    QUALITY_VERIFICATION = "quality_verification", "Verifying annotation quality"
    DATA_SECURITY = "data_security", "Data security management"


class Ability(models.TextChoices):
    """The four abilities the standard's exams must test (clause a.2)."""

    UNDERSTANDING_RULES = "understanding_rules", "Understanding the annotation rules"
    USING_TOOLS = "using_tools", "Using the annotation tools"
    IDENTIFYING_RISKS = "identifying_risks", "Identifying safety risks"
    DATA_SECURITY = "data_security", "Managing data security"
