"""Clauses a.1 and a.2: who worked in the period, their training, their exams, and the
credential each held at the moment of each piece of work."""

from collections import defaultdict
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from annotation.models import FunctionalLabel
from annotators.models import (
    Ability,
    Assignment,
    Credential,
    CredentialEvent,
    CredentialKind,
    CredentialPolicy,
    ExamAttempt,
    Topic,
    TrainingRecord,
)
from review.models import SampleCheck
from safety_labels.models import SafetyApproval, SafetyLabel

from .core import Scope, Section


def people_url(**query) -> str:
    return reverse("workforce:people") + ("?" + urlencode(query) if query else "")


def person_url(user_id: int) -> str:
    return reverse("workforce:person-detail", args=[user_id])


def work_in_period(scope: Scope) -> dict[tuple[int, str], list[tuple[str, object]]]:
    """Per (person, credential kind), the querysets of their work in the period and scope
    with the name of the field that times it: labels made, checks and decisions given."""
    task_ids = scope.task_ids()
    window = {"gte": scope.start, "lt": scope.end}
    functional = FunctionalLabel.objects.filter(task_id__in=task_ids,
                                                submitted_at__gte=window["gte"],
                                                submitted_at__lt=window["lt"])
    safety = SafetyLabel.objects.filter(task_id__in=task_ids, submitted_at__gte=window["gte"],
                                        submitted_at__lt=window["lt"])
    checks = SampleCheck.objects.filter(sample__batch__task_id__in=task_ids,
                                        checked_at__gte=window["gte"],
                                        checked_at__lt=window["lt"]).exclude(verdict="")
    decisions = SafetyApproval.objects.filter(
        label__task_id__in=task_ids, adjudication=False, created_at__gte=window["gte"],
        created_at__lt=window["lt"]).exclude(decision=SafetyApproval.Decision.ESCALATE)
    sources = [(CredentialKind.FUNCTIONAL_ANNOTATE, functional, "annotator_id", "submitted_at"),
               (CredentialKind.SAFETY_ANNOTATE, safety, "annotator_id", "submitted_at"),
               (CredentialKind.FUNCTIONAL_REVIEW, checks, "reviewer_id", "checked_at"),
               (CredentialKind.SAFETY_REVIEW, decisions, "reviewer_id", "created_at")]
    work: dict[tuple[int, str], list[tuple[str, object]]] = defaultdict(list)
    for kind, rows, who, when in sources:
        for user_id in rows.values_list(who, flat=True).distinct().order_by():
            work[(user_id, kind)].append((when, rows.filter(**{who: user_id})))
    return work


def active_spans(credential: Credential, events: list[CredentialEvent]) -> list[tuple]:
    """When the credential was active, from its history: (from, until) pairs, never past its
    expiry."""
    spans, since = [], None
    for event in events:
        if event.to_status == Credential.Status.ACTIVE and since is None:
            since = event.created_at
        elif event.to_status != Credential.Status.ACTIVE and since is not None:
            spans.append((since, min(event.created_at, credential.expires_at)))
            since = None
    if since is not None:
        spans.append((since, credential.expires_at))
    return [(start, end) for start, end in spans if start < end]


def _gaps(spans: list[tuple], start: datetime, end: datetime) -> list[tuple]:
    """The parts of [start, end) not covered by ``spans``."""
    gaps, at = [], start
    for span_start, span_end in sorted(spans):
        if span_start > at:
            gaps.append((at, min(span_start, end)))
        at = max(at, span_end)
        if at >= end:
            break
    if at < end:
        gaps.append((at, end))
    return [(a, b) for a, b in gaps if a < b]


def credentials_at_work(scope: Scope) -> list[dict]:
    """Everyone who worked in the period, per credential kind: how much work, the credentials
    of that kind they held, and how much of the work was done when none was active."""
    work = work_in_period(scope)
    people = get_user_model().objects.in_bulk({user_id for user_id, _ in work})
    credentials = defaultdict(list)
    for credential in Credential.objects.filter(
            user_id__in=people, kind__in={kind for _, kind in work}).order_by("issued_at"):
        credentials[(credential.user_id, credential.kind)].append(credential)
    events = defaultdict(list)
    for event in CredentialEvent.objects.filter(
            credential__in=[c for held in credentials.values() for c in held]) \
            .order_by("created_at", "pk"):
        events[event.credential_id].append(event)
    rows = []
    for (user_id, kind), sources in sorted(work.items()):
        held = credentials.get((user_id, kind), [])
        spans = [span for credential in held
                 for span in active_spans(credential, events[credential.pk])]
        done = outside = 0
        for when, rows_of_person in sources:
            done += rows_of_person.count()
            for gap_start, gap_end in _gaps(spans, scope.start, scope.end):
                outside += rows_of_person.filter(**{f"{when}__gte": gap_start,
                                                    f"{when}__lt": gap_end}).count()
        rows.append({"user_id": user_id, "person": people[user_id].get_username(),
                     "kind": kind, "work": done, "credentials": [c.pk for c in held],
                     "without_active_credential": outside, "link": person_url(user_id)})
    return rows


def section_training(scope: Scope, at_work: list[dict]) -> Section:
    section = Section("a.1", "Training of annotators",
                      "In-house safety training on the task rules, the annotation tools, "
                      "quality verification and data security management.",
                      rows_url=reverse("workforce:course-list"))
    policies = {policy.kind: policy for policy in
                CredentialPolicy.objects.select_related("course").prefetch_related(
                    "course__modules")}
    missing_topics = []
    for kind in CredentialKind:
        policy = policies.get(kind)
        if policy is None or policy.course is None:
            section.risks.append(f"No course leads to the {kind.label.lower()} credential.")
            continue
        covered = {module.topic for module in policy.course.modules.all()}
        for topic in Topic:
            if topic not in covered:
                missing_topics.append({"kind": kind.value, "course": policy.course.title,
                                       "topic": topic.label,
                                       "link": reverse("workforce:course-edit",
                                                       args=[policy.course_id])})
    section.evidence["course_topics_missing"] = missing_topics
    section.add("topics_missing", "Mandated training topics missing from a course",
                len(missing_topics), link=reverse("workforce:course-list"), must=0,
                why=f"{len(missing_topics)} mandated topic(s) missing from the courses that "
                    "lead to credentials.")
    completed = set(TrainingRecord.objects.filter(completed_at__lt=scope.end)
                    .exclude(completed_at=None).values_list("user_id", "course_id"))
    untrained = [{**row, "course": policies[row["kind"]].course.title
                  if row["kind"] in policies and policies[row["kind"]].course else None}
                 for row in at_work
                 if row["kind"] not in policies or policies[row["kind"]].course_id is None
                 or (row["user_id"], policies[row["kind"]].course_id) not in completed]
    section.evidence["worked_untrained"] = untrained
    section.add("workers", "People who worked in the period",
                len({row["user_id"] for row in at_work}), link=people_url())
    section.add("untrained", "People who worked without the training of their credential",
                len(untrained), must=0, link=people_url(),
                why=f"{len(untrained)} person-credential pair(s) worked without having "
                    "completed the course.")
    return section


def section_exams(scope: Scope, at_work: list[dict]) -> Section:
    section = Section("a.2", "Exams, credentials, retraining and reassessment",
                      "In-house exams testing the four abilities; periodic retraining and "
                      "reassessment; suspension or revocation of credentials when needed.",
                      rows_url=reverse("workforce:exam-list"))
    floor = settings.EXAM_PASS_MARK_FLOOR
    exam_gaps = []
    for policy in CredentialPolicy.objects.select_related("exam"):
        exam = policy.exam
        if exam is None:
            section.risks.append(f"No exam leads to the {policy.get_kind_display().lower()} "
                                 "credential.")
            continue
        counts = dict(exam.questions.filter(active=True).values_list("ability")
                      .annotate(n=Count("pk")).order_by())
        for ability in Ability:
            if counts.get(ability, 0) < max(exam.questions_per_ability, 1):
                exam_gaps.append({"exam": exam.title, "ability": ability.label,
                                  "problem": f"{counts.get(ability, 0)} active questions, "
                                             f"draws {exam.questions_per_ability}",
                                  "link": reverse("workforce:exam-edit", args=[exam.pk])})
            if exam.pass_mark_for(ability) < floor:
                exam_gaps.append({"exam": exam.title, "ability": ability.label,
                                  "problem": f"pass mark {exam.pass_mark_for(ability)}% below "
                                             f"{floor}%",
                                  "link": reverse("workforce:exam-edit", args=[exam.pk])})
    section.evidence["exams_short"] = exam_gaps
    section.add("exams_short", "Exams that do not test every ability at a sound pass mark",
                len(exam_gaps), link=reverse("workforce:exam-list"), must=0,
                why=f"{len(exam_gaps)} ability gap(s) in the exams that lead to credentials.")
    attempts = list(ExamAttempt.objects.filter(
        status=ExamAttempt.Status.GRADED, submitted_at__gte=scope.start,
        submitted_at__lt=scope.end).values_list("passed", "ability_scores"))
    section.add("exams_taken", "Exams taken", len(attempts))
    section.add("exams_passed", "Exams passed", sum(bool(passed) for passed, _ in attempts))
    for ability in Ability:
        taken = [scores[ability] for _, scores in attempts if ability in (scores or {})]
        section.add(f"ability_{ability}", f"{ability.label}: tested / passed",
                    f"{len(taken)} / {sum(bool(s.get('passed')) for s in taken)}")
    changes = dict(CredentialEvent.objects.filter(created_at__gte=scope.start,
                                                  created_at__lt=scope.end)
                   .values_list("action").annotate(n=Count("pk")).order_by())
    for action, status in (("suspended", "suspended"), ("revoked", "revoked"),
                           ("expired", "expired")):
        section.add(f"credentials_{action}", f"Credentials {action}", changes.get(action, 0),
                    link=people_url(status=status))
    overdue = list(Assignment.objects.filter(status=Assignment.Status.OPEN,
                                             due_date__lt=timezone.localdate())
                   .select_related("user").order_by("due_date"))
    section.evidence["overdue"] = [
        {"person": a.user.get_username(), "kind": a.kind, "type": a.type,
         "due": a.due_date.isoformat(), "link": person_url(a.user_id)} for a in overdue]
    section.add("overdue", "Retraining or reassessment overdue", len(overdue),
                link=people_url())
    if overdue:
        section.risks.append(f"{len(overdue)} retraining or reassessment assignment(s) are "
                             "overdue; the daily sweep suspends their credentials after the "
                             "grace period.")
    without = [row for row in at_work if row["without_active_credential"]]
    section.evidence["credentials_at_work"] = at_work
    section.add("work_without_credential",
                "Labels, checks or decisions made without an active credential",
                sum(row["without_active_credential"] for row in without), must=0,
                link=people_url(),
                why=f"{len(without)} person-credential pair(s) worked while holding no "
                    "active credential of the kind.")
    return section
