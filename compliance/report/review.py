"""Clauses c.1 and c.2: every functional batch sampled by hand and decided, every safety label
approved, and nothing leaving the system without that."""

from collections import Counter

from django.db.models import Count, Q
from django.urls import reverse

from annotation.models import Batch, FunctionalLabel, Item, Lease
from audit.models import AuditEvent
from review.models import BatchDecision, Sample, SampleCheck
from safety_labels.models import SafetyApproval, SafetyLabel

from .core import Scope, Section


def board_url(task_id: int) -> str:
    return reverse("review:batch-board", args=[task_id])


def _exported_without_passing(batches: list[Batch]) -> list[dict]:
    """Exported batches that had not passed review when they first left: no acceptance
    decided before, or a label made again whose check had not passed before."""
    accepted = {}
    for batch_id, decided_at in BatchDecision.objects.filter(
            batch__in=batches, outcome=BatchDecision.Outcome.ACCEPTED) \
            .values_list("batch_id", "decided_at"):
        accepted[batch_id] = min(decided_at, accepted.get(batch_id, decided_at))
    rows = []
    for batch in batches:
        passed_at = accepted.get(batch.pk)
        current = FunctionalLabel.objects.filter(item__batch=batch, superseded_at=None,
                                                 submitted_at__lte=batch.first_exported_at)
        if passed_at is None or passed_at > batch.first_exported_at:
            unreviewed = current.count()
        else:
            redone = current.filter(submitted_at__gt=passed_at)
            unreviewed = redone.exclude(checks__recheck=True,
                                        checks__verdict=SampleCheck.Verdict.ACCURATE,
                                        checks__checked_at__lte=batch.first_exported_at) \
                .count()
        if unreviewed:
            rows.append({"task": batch.task_id, "batch": batch.number, "labels": unreviewed,
                         "link": board_url(batch.task_id)})
    return rows


def section_sampling(scope: Scope) -> Section:
    section = Section("c.1", "Sampling of functional batches",
                      "Each batch of functional labels is sampled by hand; inaccurate items "
                      "are labelled again; a batch holding illegal or unhealthy content is "
                      "invalidated.", rows_url=scope.batches_url())
    task_ids = list(scope.tasks().filter(kind="functional").values_list("pk", flat=True))
    batch_ids = list(Batch.objects.filter(task_id__in=task_ids).values_list("pk", flat=True))
    completed = AuditEvent.objects.filter(
        action="batch.submitted", target_type="annotation.batch",
        target_id__in=[str(pk) for pk in batch_ids], created_at__gte=scope.start,
        created_at__lt=scope.end).count()
    samples = list(Sample.objects.filter(batch_id__in=batch_ids, drawn_at__gte=scope.start,
                                         drawn_at__lt=scope.end)
                   .select_related("batch").order_by("drawn_at"))
    section.add("completed", "Batch rounds whose last label landed", completed)
    section.add("sampled", "Samples drawn", len(samples))
    short = [{"task": sample.batch.task_id, "batch": sample.batch.number,
              "round": sample.round, "plan": sample.plan_size, "batch_size": sample.batch_size,
              "drawn": len(sample.item_ids),
              "link": reverse("review:sample-detail", args=[sample.pk])}
             for sample in samples
             if len(sample.item_ids) < min(sample.plan_size, sample.batch_size)]
    section.evidence["samples"] = [
        {"task": sample.batch.task_id, "batch": sample.batch.number, "round": sample.round,
         "scheme": sample.scheme, "plan": sample.plan_size, "drawn": len(sample.item_ids),
         "accept": sample.accept, "link": reverse("review:sample-detail", args=[sample.pk])}
        for sample in samples]
    section.evidence["samples_smaller_than_planned"] = short
    section.add("smaller_than_planned", "Samples smaller than their plan", len(short), must=0)
    outcomes = Counter(BatchDecision.objects.filter(
        batch_id__in=batch_ids, decided_at__gte=scope.start, decided_at__lt=scope.end)
        .values_list("outcome", flat=True))
    for outcome, label in ((BatchDecision.Outcome.ACCEPTED, "Batches accepted"),
                           (BatchDecision.Outcome.REWORK, "Batches sent back"),
                           (BatchDecision.Outcome.INVALIDATED, "Batches invalidated")):
        section.add(f"decided_{outcome}", label, outcomes.get(outcome, 0))
    checks = SampleCheck.objects.filter(sample__batch_id__in=batch_ids,
                                        checked_at__gte=scope.start, checked_at__lt=scope.end)
    section.add("checks", "Sampled labels checked by hand", checks.filter(recheck=False).count())
    section.add("rechecks", "Labels made again and checked", checks.filter(recheck=True).count())
    exported = list(Batch.objects.filter(pk__in=batch_ids, first_exported_at__gte=scope.start,
                                         first_exported_at__lt=scope.end))
    unreviewed = _exported_without_passing(exported)
    section.evidence["exported_without_review"] = unreviewed
    section.add("exported_unreviewed", "Labels first exported in the period without passing "
                "review",
                sum(row["labels"] for row in unreviewed), must=0)
    waiting = _complete_and_unsampled(batch_ids)
    section.evidence["waiting_for_sample"] = waiting
    section.add("waiting", "Complete batches waiting for their sample", len(waiting))
    if waiting:
        section.risks.append(f"{len(waiting)} complete batch(es) have no sample yet; draw "
                             "them from the batch board.")
    return section


def _complete_and_unsampled(batch_ids: list[int]) -> list[dict]:
    open_items = set(Item.objects.filter(batch_id__in=batch_ids, open_slots__gt=0)
                     .values_list("batch_id", flat=True).distinct().order_by())
    open_items |= set(Lease.objects.filter(item__batch_id__in=batch_ids,
                                           state=Lease.State.ACTIVE)
                      .values_list("item__batch_id", flat=True).distinct().order_by())
    drawn = set(Sample.objects.filter(batch_id__in=batch_ids).values_list("batch_id", "round"))
    rows = []
    for batch in Batch.objects.filter(pk__in=batch_ids).annotate(n=Count("items")).filter(
            Q(state=Batch.State.SUBMITTED) | Q(state=Batch.State.ANNOTATING, n__gt=0)):
        if batch.state == Batch.State.ANNOTATING and batch.pk in open_items:
            continue
        if (batch.pk, batch.round) in drawn:
            continue
        rows.append({"task": batch.task_id, "batch": batch.number,
                     "link": board_url(batch.task_id)})
    return rows


def section_approval(scope: Scope) -> Section:
    section = Section("c.2", "Approval of every safety label",
                      "Each safety label is reviewed and approved by at least one reviewer.",
                      rows_url=scope.tasks_url())
    tasks = {task.pk: task for task in scope.tasks().filter(kind="safety")}
    labels = SafetyLabel.objects.filter(task_id__in=list(tasks), submitted_at__gte=scope.start,
                                        submitted_at__lt=scope.end)
    statuses = Counter(labels.values_list("status", flat=True))
    section.add("made", "Safety labels made", sum(statuses.values()))
    for status, label in ((SafetyLabel.Status.APPROVED, "Approved"),
                          (SafetyLabel.Status.SUBMITTED, "Waiting for approval"),
                          (SafetyLabel.Status.REJECTED, "Rejected"),
                          (SafetyLabel.Status.ESCALATED, "Escalated, waiting for a ruling")):
        section.add(f"status_{status}", label, statuses.get(status, 0))
    counted = Counter()
    for label in labels.filter(status=SafetyLabel.Status.APPROVED).prefetch_related("approvals"):
        counted[len({a.reviewer_id for a in label.approvals.all() if a.counts_for(label)})] += 1
    section.evidence["approvals_per_approved_label"] = [
        {"approvals": approvals, "labels": number} for approvals, number in sorted(counted.items())]
    escalations = SafetyApproval.objects.filter(
        label__task_id__in=list(tasks), decision=SafetyApproval.Decision.ESCALATE,
        created_at__gte=scope.start, created_at__lt=scope.end).count()
    section.add("escalations", "Escalations to a manager", escalations,
                link=reverse("review:escalated"))
    short = []
    for label in SafetyLabel.objects.filter(
            task_id__in=list(tasks), first_exported_at__gte=scope.start,
            first_exported_at__lt=scope.end).prefetch_related("approvals"):
        required = max(tasks[label.task_id].required_approvals, 1)
        before = {a.reviewer_id for a in label.approvals.all()
                  if a.counts_for(label) and a.created_at <= label.first_exported_at}
        if len(before) < required:
            short.append({"task": label.task_id, "label": label.pk, "approvals": len(before),
                          "required": required})
    section.evidence["exported_without_approval"] = short
    section.add("exported_unapproved", "Safety labels first exported in the period without "
                "their approvals",
                len(short), must=0)
    return section
