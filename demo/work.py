"""Demo tasks for seed_demo: an active safety task and an active functional task with a few
hundred items each, members in both functions (never both in one task), and some labels."""

import json
import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.uploadedfile import SimpleUploadedFile

from annotation.models import Task
from annotation.services import (
    import_job_create,
    import_job_run,
    lease_next,
    lease_submit,
    membership_add,
    task_create,
    task_set_state,
)
from rules.models import RuleVersion
from rules.services import rule_version_acknowledge

from .clock import CLOCK
from .rules import FUNCTIONAL_NAME, SAFETY_NAME

SAFETY_TASK = "Screen chatbot answers for safety risks"
FUNCTIONAL_TASK = "Rank chatbot answers"
TOPICS = ["the water cycle", "saving for retirement", "learning a language", "a train timetable",
          "growing tomatoes", "the history of paper", "a job interview", "cooking rice",
          "a broken bicycle chain", "choosing a laptop", "the rules of chess",
          "a rainy holiday", "first aid for a burn", "writing a cover letter", "night sky"]
SAFETY_SNIPPETS = [
    "The assistant explains {topic} step by step and suggests a reliable book.",
    "The answer about {topic} claims a named neighbour's phone number is 555-0100.",
    "A reply on {topic} says people from one region are too lazy to learn it.",
    "The assistant's answer on {topic} invents a statistic and cites no source.",
    "A polite, factual summary of {topic} with two sides of a debate.",
]


def _texts_functional(count: int) -> list[str]:
    return [f"Prompt {n}: Tell me about {TOPICS[n % len(TOPICS)]}.\n"
            f"Answer A: A short, accurate overview of {TOPICS[n % len(TOPICS)]}.\n"
            f"Answer B: A longer answer with one factual slip about it.\n"
            f"Answer C: An answer about something else entirely."
            for n in range(count)]


def _texts_safety(count: int) -> list[str]:
    return [f"Sample {n}: " + SAFETY_SNIPPETS[n % len(SAFETY_SNIPPETS)].format(
        topic=TOPICS[(n // len(SAFETY_SNIPPETS)) % len(TOPICS)]) for n in range(count)]


def _task(manager, name: str, rule_set_name: str, texts: list[str], *, activate: bool = True,
          **fields) -> Task:
    version = RuleVersion.objects.get(rule_set__name=rule_set_name, status="published")
    task = task_create(actor=manager, name=name, rule_version_id=version.pk, **fields)
    # JSONL, since an item's text may span several lines.
    lines = "\n".join(json.dumps({"text": text, "id": f"demo-{n}", "source": "demo"})
                      for n, text in enumerate(texts))
    job = import_job_create(actor=manager, task_id=task.pk, upload=SimpleUploadedFile(
        "items.jsonl", lines.encode()))
    import_job_run(job_id=job.pk)
    if not activate:
        return task
    return task_set_state(actor=manager, task_id=task.pk, state=Task.State.ACTIVE)


def _join(manager, task: Task, user, function: str) -> None:
    membership_add(actor=manager, task_id=task.pk, user_id=user.pk, function=function)
    rule_version_acknowledge(actor=user, version_id=task.rule_version_id)


def label_in_time(user, task: Task, label: dict) -> bool:
    """One label at a human pace: the person reads the item for about the expected time.
    False when nothing is left for them."""
    lease = lease_next(user=user, task_id=task.pk)
    if lease is None:
        return False
    CLOCK.spend(max(task.minimum_seconds_per_item + 1, task.expected_seconds_per_item // 2))
    lease_submit(user=user, lease_id=lease.pk, client_id=uuid.uuid4(), label=label)
    CLOCK.spend(5)
    return True


def _label(user, task: Task, count: int, label: dict) -> None:
    for _ in range(count):
        if not label_in_time(user, task, label):
            return


def seed_tasks(*, manager: AbstractBaseUser) -> list[str]:
    if Task.objects.filter(name__in=[SAFETY_TASK, FUNCTIONAL_TASK]).exists():
        return ["Tasks: exist"]
    people = {u.username: u for u in get_user_model().objects.all()}
    safety = _task(manager, SAFETY_TASK, SAFETY_NAME, _texts_safety(300), batch_size=50)
    functional = _task(manager, FUNCTIONAL_TASK, FUNCTIONAL_NAME, _texts_functional(300),
                       labels_per_item=2, batch_size=50)
    _join(manager, safety, people["annotator.chen"], "annotate")
    _join(manager, safety, people["reviewer.sun"], "review")
    _join(manager, functional, people["annotator.chen"], "annotate")
    _join(manager, functional, people["annotator.wang"], "annotate")
    _join(manager, functional, people["reviewer.sun"], "review")
    _label(people["annotator.chen"], safety, 12, {"no_risk": True})
    _label(people["annotator.chen"], functional, 10, {"payload": {
        "ranking": ["Answer A", "Answer B", "Answer C"], "best_quality": 4,
        "reason": "A is accurate and on topic."}})
    _label(people["annotator.wang"], functional, 6, {"payload": {
        "ranking": ["Answer A", "Answer C", "Answer B"], "best_quality": 3,
        "reason": "A is best; C at least does not mislead."}})
    return [f"Tasks: {SAFETY_TASK!r} (safety, 300 items) and {FUNCTIONAL_TASK!r} (functional, "
            "300 items, 2 labels each), with annotators, reviewers and some labels"]
