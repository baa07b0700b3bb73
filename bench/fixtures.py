"""Set-up shared by the benchmarks, through the real services: a manager, a published
functional rule version, the course and exam of the functional annotation credential, and
annotators who passed them and acknowledged the rules. Import it after ``django.setup()``."""

import secrets

from annotators.models import Ability, Role, Topic
from annotators.selectors import attempt_questions
from annotators.services import (
    attempt_answer,
    attempt_start,
    attempt_submit,
    course_create,
    exam_create,
    module_add,
    person_create,
    policy_update,
    question_add,
    training_confirm_module,
    training_open_module,
    training_start,
)
from demo.rules import FUNCTIONAL_FIELDS
from rules.services import (
    rule_set_create,
    rule_version_acknowledge,
    rule_version_publish,
    rule_version_update,
)

KIND = "functional_annotate"


def manager_rules_and_course(name: str):
    """A manager, a published functional rule version, and a one-question-per-ability exam
    that the functional annotation credential now requires; returns the three and the
    course."""
    manager = person_create(actor=None, username=f"{name}.mgr", password=secrets.token_hex(),
                            role=Role.MANAGER)
    rule_set = rule_set_create(actor=manager, name=f"{name} rules", kind="functional",
                               domain="bench")
    draft = rule_set.versions.get()
    rule_version_update(actor=manager, version_id=draft.pk, changes=FUNCTIONAL_FIELDS)
    version = rule_version_publish(actor=manager, version_id=draft.pk)
    course = course_create(actor=manager, title=f"{name} course")
    for topic in Topic.values:
        module_add(actor=manager, course_id=course.pk, title=topic, topic=topic, body="Read.")
    exam = exam_create(actor=manager, title=f"{name} exam", questions_per_ability=1)
    for ability in Ability.values:
        question_add(actor=manager, exam_id=exam.pk, ability=ability, kind="single",
                     prompt="Pick the first.", options=["yes", "no"], key=[0])
    policy_update(actor=manager, kind=KIND, changes={"course": course, "exam": exam,
                                                     "cooldown_hours": 0, "max_attempts": 10})
    return manager, version, course


def trained_annotator(username: str, course, version):
    """A person who read the course, passed the exam and acknowledged the rule version."""
    person = person_create(actor=None, username=username, password=secrets.token_hex(),
                           role=Role.ANNOTATOR)
    training_start(user=person, course_id=course.pk)
    for module in course.modules.order_by("position"):
        training_open_module(user=person, module_id=module.pk)
        training_confirm_module(user=person, module_id=module.pk)
    attempt = attempt_start(user=person, kind=KIND)
    for question, _ in attempt_questions(attempt):
        attempt_answer(user=person, attempt_id=attempt.pk, question_id=question.pk,
                       response=[0])
    attempt_submit(user=person, attempt_id=attempt.pk)
    rule_version_acknowledge(actor=person, version_id=version.pk)
    return person
