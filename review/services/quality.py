"""Quality signals: a person's accuracy on sampled labels and the rejection rate of their
safety labels over a rolling window. Crossing a policy's threshold suspends the credential
pending retraining and returns the person's unreviewed work to the pool."""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from annotation.services.rework import functional_work_return, safety_leases_supersede
from annotators.models import Credential, CredentialKind
from annotators.selectors import has_active_credential
from annotators.services import credential_qs_select_for_update, report_quality_failure
from audit.services import record_event
from config.errors import Invalid, NotAllowed, NotFound
from safety_labels.models import SafetyLabel
from safety_labels.selectors import annotators_decided_since
from safety_labels.services import safety_labels_withdraw

from ..models import QualityPolicy, QualitySignal, SampleCheck
from ..selectors import QualityFigure, quality_figures, quality_window_start
from .locks import quality_policy_qs_select_for_update

EVIDENCE_ROWS = 200


def _evidence(figure: QualityFigure) -> dict:
    """The rows a failing figure was taken on, newest first."""
    since = quality_window_start(policy=figure.policy)
    if figure.measure == "accuracy":
        checks = list(SampleCheck.objects.filter(
            annotator_id=figure.user_id, checked_at__gte=since,
            sample__batch__task=figure.task).exclude(verdict="").order_by("-checked_at")
            .values_list("pk", "verdict", "sample_id")[:EVIDENCE_ROWS])
        return {"task": figure.task.pk, "accurate": figure.count, "checked": figure.checks,
                "checks": [{"check": pk, "verdict": verdict, "sample": sample}
                           for pk, verdict, sample in checks]}
    decided = list(SafetyLabel.objects.filter(
        annotator_id=figure.user_id, submitted_at__gte=since,
        status__in=[SafetyLabel.Status.APPROVED, SafetyLabel.Status.REJECTED])
        .order_by("-submitted_at").values_list("pk", "status")[:EVIDENCE_ROWS])
    return {"rejected": figure.count, "decided": figure.checks,
            "labels": [{"label": pk, "status": status} for pk, status in decided]}


@transaction.atomic(durable=True)
def quality_evaluate(*, user_id: int, kind: str) -> QualitySignal | None:
    """Measure the person now; where a figure fails its policy (for functional work, in any
    task, against the policy's threshold or else the task's target accuracy), store the
    signal with its evidence, suspend the credential pending retraining and return their
    unreviewed labels. Returns the signal, or None when the person passes, has too few
    checks, or holds no active credential."""
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None or not QualityPolicy.objects.filter(kind=kind, enabled=True).exists():
        return None
    # Evaluations run once per verdict: the lock makes simultaneous ones suspend once.
    if not credential_qs_select_for_update().filter(
            user_id=user_id, kind=kind, status=Credential.Status.ACTIVE).exists() or \
            not has_active_credential(user, kind):
        return None
    failing = sorted((figure for figure in quality_figures(user_id=user_id)
                      if figure.kind == kind and figure.fails),
                     key=lambda figure: figure.value if figure.measure == "accuracy"
                     else -figure.value)
    if not failing:
        return None
    figure = failing[0]
    policy = figure.policy
    signal = QualitySignal.objects.create(
        user=user, kind=kind, measure=figure.measure,
        value=figure.value.quantize(Decimal("0.0001")), checks=figure.checks,
        threshold=figure.threshold, window_days=policy.window_days, task=figure.task,
        evidence=_evidence(figure), created_at=timezone.now())
    returned = _return_work(user_id=user_id, kind=kind)
    record_event(actor=None, action="quality.signal", target=signal,
                 data={"user_id": user_id, "kind": kind, "measure": figure.measure,
                       "value": str(signal.value), "checks": figure.checks,
                       "threshold": str(figure.threshold), "returned": returned,
                       "task": figure.task.pk if figure.task else None})
    report_quality_failure(user=user, kind=kind, evidence={
        "signal": signal.pk, "measure": figure.measure, "value": str(signal.value),
        "checks": figure.checks, "threshold": str(figure.threshold),
        "window_days": policy.window_days,
        **({"task": figure.task.pk} if figure.task else {})})
    return signal


def quality_evaluate_recent(*, since_minutes: int) -> int:
    """Measure again everyone whose labels were judged in the last ``since_minutes``: each
    verdict and safety decision enqueues its own evaluation, and this sweep re-derives from
    the database the ones whose message was lost (the broker out of reach). Evaluating twice
    is harmless: a suspended credential is not suspended again. Returns the signals made."""
    since = timezone.now() - timedelta(minutes=since_minutes)
    functional = set(SampleCheck.objects.filter(checked_at__gte=since)
                     .values_list("annotator_id", flat=True).distinct())
    due = [(user_id, CredentialKind.FUNCTIONAL_ANNOTATE) for user_id in sorted(functional)]
    due += [(user_id, CredentialKind.SAFETY_ANNOTATE)
            for user_id in sorted(annotators_decided_since(since=since))]
    return sum(quality_evaluate(user_id=user_id, kind=kind) is not None
               for user_id, kind in due)


def _return_work(*, user_id: int, kind: str) -> int | str:
    if kind == CredentialKind.FUNCTIONAL_ANNOTATE:
        return functional_work_return(user_id=user_id)
    # The safety database cannot join this transaction: withdraw once it has committed.
    transaction.on_commit(lambda: safety_work_return(user_id=user_id))
    return "undecided safety labels, after commit"


def safety_work_return(*, user_id: int) -> int:
    """Withdraw the person's safety labels that no reviewer decided on, then send their
    items back to the pool here (``safety_decisions_reconcile`` repairs a crash between)."""
    lease_ids = safety_labels_withdraw(annotator_id=user_id)
    with transaction.atomic():
        returned = safety_leases_supersede(lease_ids=lease_ids)
        record_event(actor=None, action="quality.safety_labels_withdrawn",
                     target_type="auth.user", target_id=user_id,
                     data={"leases": lease_ids, "returned": returned})
    return len(lease_ids)


class QualityPolicyNotFound(NotFound):
    code = "quality_policy_not_found"


class QualityPolicyNotAllowed(NotAllowed):
    code = "quality_policy_not_allowed"


class QualityPolicyInvalid(Invalid):
    code = "quality_policy_invalid"


POLICY_FIELDS = {"threshold", "minimum_checks", "window_days", "enabled"}


@transaction.atomic(durable=True)
def quality_policy_update(*, actor: AbstractBaseUser, kind: str,
                          changes: dict) -> QualityPolicy:
    """Change a quality policy: its threshold, the checks it needs, its window, or whether it
    acts at all. Audited with the values before and after.

    :raises QualityPolicyNotAllowed: without the permission to set quality policies.
    :raises QualityPolicyNotFound: for a kind that has no policy.
    :raises QualityPolicyInvalid: for unknown fields or values out of bounds.
    """
    if not actor.has_perm("review.manage_quality"):
        raise QualityPolicyNotAllowed("Only managers set quality policies.")
    policy = quality_policy_qs_select_for_update().filter(kind=kind).first()
    if policy is None:
        raise QualityPolicyNotFound(f"There is no quality policy for {kind!r}; the annotating "
                                    "credentials have one each.")
    unknown = set(changes) - POLICY_FIELDS
    if unknown:
        raise QualityPolicyInvalid(f"Unknown fields: {', '.join(sorted(unknown))}.")
    errors = {}
    threshold = changes.get("threshold", policy.threshold)
    if threshold in ("", None):
        if kind != CredentialKind.FUNCTIONAL_ANNOTATE:
            errors["threshold"] = ["Required: the highest share of rejected labels allowed."]
        threshold = changes["threshold"] = None
    elif not Decimal(0) <= Decimal(str(threshold)) <= 1:
        errors["threshold"] = ["A share from 0 to 1, such as 0.900."]
    if not 1 <= int(changes.get("minimum_checks", policy.minimum_checks)) <= 10000:
        errors["minimum_checks"] = ["From 1 to 10,000."]
    if not 1 <= int(changes.get("window_days", policy.window_days)) <= 365:
        errors["window_days"] = ["From 1 to 365 days."]
    if errors:
        raise QualityPolicyInvalid("The policy has invalid values; see detail.", detail=errors)
    before = {name: str(getattr(policy, name)) for name in changes}
    for name, value in changes.items():
        setattr(policy, name, Decimal(str(value))
                if name == "threshold" and value is not None else value)
    policy.save(update_fields=list(changes))
    record_event(actor=actor, action="quality_policy.updated", target=policy,
                 data={"kind": kind, "before": before,
                       "after": {name: str(getattr(policy, name)) for name in changes}})
    return policy
