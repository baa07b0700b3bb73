"""The reviewers' queues: the tasks they review, the work waiting in each, and the one
check or safety label they act on."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from annotation.models import Batch, Item, Membership, Task
from annotation.selectors import membership_function, task_get_for_actor
from safety_labels.models import SafetyApproval, SafetyLabel

from ..models import SampleCheck


def tasks_reviewed_by(*, actor: AbstractBaseUser) -> QuerySet[Task]:
    return Task.objects.filter(memberships__user=actor, memberships__ended_at=None,
                               memberships__function=Membership.Function.REVIEW) \
        .select_related("rule_version__rule_set").order_by("name")


def waiting_checks(*, checks: QuerySet[SampleCheck] | None = None) -> QuerySet[SampleCheck]:
    """Checks (of ``checks``, or all) that wait for a verdict: of a sample in review, or of
    a label made again in a batch being corrected."""
    checks = SampleCheck.objects.all() if checks is None else checks
    return checks.filter(verdict="").filter(
        Q(recheck=False, sample__batch__state=Batch.State.IN_REVIEW)
        | Q(recheck=True, sample__batch__state=Batch.State.CORRECTING))


def review_queue_counts(*, actor: AbstractBaseUser, tasks: list[Task]) -> dict[int, int]:
    """Open work for the reviewer per task: checks waiting, or safety labels awaiting their
    decision. One grouped query per database."""
    functional = [task.pk for task in tasks if not task.is_safety]
    safety = [task.pk for task in tasks if task.is_safety]
    counts = dict(waiting_checks().filter(sample__batch__task_id__in=functional)
                  .values_list("sample__batch__task_id").annotate(n=Count("pk")))
    decided = SafetyApproval.objects.filter(label=OuterRef("pk"), reviewer_id=actor.pk,
                                            withdrawn_at=None) \
        .exclude(adjudication=False, decision=SafetyApproval.Decision.ESCALATE)
    counts.update(SafetyLabel.objects.filter(task_id__in=safety,
                                             status=SafetyLabel.Status.SUBMITTED)
                  .exclude(annotator_id=actor.pk).exclude(Exists(decided))
                  .values_list("task_id").annotate(n=Count("pk")))
    return counts


def sample_check_get_for_reviewer(*, actor: AbstractBaseUser, check_id: int) -> SampleCheck:
    """A sampled label of a task the actor reviews; 404 otherwise."""
    check = SampleCheck.objects.select_related("sample__batch").filter(pk=check_id).first()
    if check is None:
        raise Http404("No such check among yours.")
    task = task_get_for_actor(actor=actor, task_id=check.sample.batch.task_id)
    if membership_function(actor=actor, task=task) != Membership.Function.REVIEW:
        raise Http404("No such check among yours.")
    return check


def safety_label_get_for_reviewer(*, actor: AbstractBaseUser, label_id: int) -> SafetyLabel:
    """A safety label of a task the actor reviews; 404 otherwise."""
    task_id = SafetyLabel.objects.filter(pk=label_id).values_list("task_id", flat=True).first()
    if task_id is None:
        raise Http404("No such label among those you review.")
    task = task_get_for_actor(actor=actor, task_id=task_id)
    if membership_function(actor=actor, task=task) != Membership.Function.REVIEW:
        raise Http404("No such label among those you review.")
    return SafetyLabel.objects.get(pk=label_id)


def escalated_labels() -> QuerySet[SafetyLabel]:
    return SafetyLabel.objects.filter(status=SafetyLabel.Status.ESCALATED) \
        .prefetch_related("approvals").order_by("submitted_at", "pk")


def safety_label_items(*, labels: list[SafetyLabel]) -> dict[int, Item]:
    """The items these safety labels judge, by id, with their tasks; one query."""
    return Item.objects.select_related("task").in_bulk({label.item_id for label in labels})
