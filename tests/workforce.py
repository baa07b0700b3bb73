"""Workforce fixtures: a course on all four topics, an exam with a pool for each ability, and
policies that require them. Lifecycle states are reached through the real services."""

from datetime import timedelta

import pytest
from django.utils import timezone

from annotators.models import Ability, CredentialKind, ExamAttempt, Question, Topic
from annotators.selectors import attempt_questions
from annotators.services import (
    attempt_answer,
    attempt_start,
    attempt_submit,
    course_create,
    exam_create,
    module_add,
    policy_update,
    question_add,
    training_confirm_module,
    training_open_module,
    training_start,
)

KIND = CredentialKind.SAFETY_ANNOTATE


def build_course(manager, title="Safety annotation basics", topics=tuple(Topic.values)):
    course = course_create(actor=manager, title=title, description="Four topics.")
    for topic in topics:
        module_add(actor=manager, course_id=course.pk, title=f"About {topic}", topic=topic,
                   body=f"Read this about **{topic}**.")
    return course


def build_exam(manager, title="Safety annotation exam", per_ability=2, pool=3, **settings):
    exam = exam_create(actor=manager, title=title, questions_per_ability=per_ability,
                       time_limit_minutes=20, **settings)
    for ability in Ability.values:
        for n in range(pool):
            if ability == Ability.IDENTIFYING_RISKS and n == 0:
                question_add(actor=manager, exam_id=exam.pk, ability=ability,
                             kind=Question.Kind.PRACTICAL, prompt="Which risks?",
                             sample_text="A sample text.", key=["A.2.e", "A.4.e"],
                             explanation="Gender bias and privacy.")
            else:
                question_add(actor=manager, exam_id=exam.pk, ability=ability,
                             kind=Question.Kind.SINGLE, prompt=f"{ability} question {n}?",
                             options=["Right", "Wrong", "Also wrong"], key=[0],
                             explanation="The first option is right.")
    return exam


@pytest.fixture
def workforce(manager):
    course = build_course(manager)
    exam = build_exam(manager)
    policy = policy_update(actor=manager, kind=KIND, changes={"course": course, "exam": exam})
    return {"course": course, "exam": exam, "policy": policy}


def complete_training(user, course):
    training_start(user=user, course_id=course.pk)
    for module in course.modules.order_by("position"):
        training_open_module(user=user, module_id=module.pk)
        training_confirm_module(user=user, module_id=module.pk)


def right_answer(question):
    return list(question.key)


def wrong_answer(question):
    if question.kind == Question.Kind.PRACTICAL:
        return ["A.1.a"]
    return [next(i for i in range(len(question.options)) if i not in question.key)]


def take_exam(user, *, kind=KIND, wrong_abilities=(), submit=True) -> ExamAttempt:
    attempt = attempt_start(user=user, kind=kind)
    for question, _ in attempt_questions(attempt):
        response = wrong_answer(question) if question.ability in wrong_abilities \
            else right_answer(question)
        attempt_answer(user=user, attempt_id=attempt.pk, question_id=question.pk,
                       response=response)
    if submit:
        attempt = attempt_submit(user=user, attempt_id=attempt.pk)
    return attempt


@pytest.fixture
def credentialed(annotator, workforce):
    """The annotator, trained and examined: holds an active safety-annotation credential."""
    complete_training(annotator, workforce["course"])
    attempt = take_exam(annotator)
    assert attempt.passed
    return annotator.credentials.get(kind=KIND)


def later(**delta):
    return timezone.now() + timedelta(**delta)
