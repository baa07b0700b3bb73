"""Quality signals: a person's accuracy on sampled labels and the rejection rate of their
safety labels over a rolling window. Crossing a policy's threshold suspends the credential
pending retraining and returns the person's unreviewed work to the pool."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from annotation.services.rework import functional_work_return, safety_leases_supersede
from annotators.models import Credential, CredentialKind
from annotators.selectors import has_active_credential
from annotators.services import credential_qs_select_for_update, report_quality_failure
from audit.services import record_event
from safety_labels.models import SafetyLabel
from safety_labels.services import safety_labels_withdraw

from ..models import QualityPolicy, QualitySignal, SampleCheck
from .common import ReviewInvalid, ReviewRefused

EVIDENCE_ROWS = 200


@dataclass(frozen=True)
class Measurement:
    measure: str
    value: Decimal | None
    checks: int
    evidence: dict


def measure(*, user_id: int, kind: str, window_days: int) -> Measurement:
    """The person's figure for the credential kind over the last ``window_days`` days."""
    since = timezone.now() - timedelta(days=window_days)
    if kind == CredentialKind.FUNCTIONAL_ANNOTATE:
        checks = list(SampleCheck.objects.filter(annotator_id=user_id, checked_at__gte=since)
                      .exclude(verdict="").order_by("-checked_at")
                      .values_list("pk", "verdict", "sample_id"))
        accurate = sum(verdict == SampleCheck.Verdict.ACCURATE for _, verdict, _ in checks)
        value = Decimal(accurate) / len(checks) if checks else None
        return Measurement("accuracy", value, len(checks), {
            "accurate": accurate, "checked": len(checks),
            "checks": [{"check": pk, "verdict": verdict, "sample": sample}
                       for pk, verdict, sample in checks[:EVIDENCE_ROWS]]})
    decided = list(SafetyLabel.objects.filter(
        annotator_id=user_id, submitted_at__gte=since,
        status__in=[SafetyLabel.Status.APPROVED, SafetyLabel.Status.REJECTED])
        .order_by("-submitted_at").values_list("pk", "status"))
    rejected = sum(status == SafetyLabel.Status.REJECTED for _, status in decided)
    value = Decimal(rejected) / len(decided) if decided else None
    return Measurement("rejection_rate", value, len(decided), {
        "rejected": rejected, "decided": len(decided),
        "labels": [{"label": pk, "status": status} for pk, status in decided[:EVIDENCE_ROWS]]})


def _fails(policy: QualityPolicy, result: Measurement) -> bool:
    if result.value is None or result.checks < policy.minimum_checks:
        return False
    if result.measure == "accuracy":
        return result.value < policy.threshold
    return result.value > policy.threshold


@transaction.atomic(durable=True)
def quality_evaluate(*, user_id: int, kind: str) -> QualitySignal | None:
    """Measure the person now; below the policy, store the signal with its evidence, suspend
    the credential pending retraining and return their unreviewed labels. Returns the signal,
    or None when the person passes, has too few checks, or holds no active credential."""
    policy = QualityPolicy.objects.filter(kind=kind, enabled=True).first()
    user = get_user_model().objects.filter(pk=user_id).first()
    if policy is None or user is None:
        return None
    # Evaluations run once per verdict: the lock makes simultaneous ones suspend once.
    if not credential_qs_select_for_update().filter(
            user_id=user_id, kind=kind, status=Credential.Status.ACTIVE).exists() or \
            not has_active_credential(user, kind):
        return None
    result = measure(user_id=user_id, kind=kind, window_days=policy.window_days)
    if not _fails(policy, result):
        return None
    signal = QualitySignal.objects.create(
        user=user, kind=kind, measure=result.measure, value=result.value.quantize(
            Decimal("0.0001")), checks=result.checks, threshold=policy.threshold,
        window_days=policy.window_days, evidence=result.evidence, created_at=timezone.now())
    returned = _return_work(user_id=user_id, kind=kind)
    record_event(actor=None, action="quality.signal", target=signal,
                 data={"user_id": user_id, "kind": kind, "measure": result.measure,
                       "value": str(signal.value), "checks": result.checks,
                       "threshold": str(policy.threshold), "returned": returned})
    report_quality_failure(user=user, kind=kind, evidence={
        "signal": signal.pk, "measure": result.measure, "value": str(signal.value),
        "checks": result.checks, "threshold": str(policy.threshold),
        "window_days": policy.window_days})
    return signal


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


POLICY_FIELDS = {"threshold", "minimum_checks", "window_days", "enabled"}


@transaction.atomic(durable=True)
def quality_policy_update(*, actor, kind: str, changes: dict) -> QualityPolicy:
    """Change a quality policy: its threshold, the checks it needs, its window, or whether it
    acts at all. Audited with the values before and after."""
    if not actor.has_perm("review.manage_quality"):
        raise ReviewRefused("Only managers set quality policies.")
    policy = QualityPolicy.objects.select_for_update().filter(kind=kind).first()
    if policy is None:
        raise ReviewInvalid(f"No quality policy for {kind!r}; the annotating credentials "
                            "have one each.")
    unknown = set(changes) - POLICY_FIELDS
    if unknown:
        raise ReviewInvalid(f"Unknown fields: {', '.join(sorted(unknown))}.")
    errors = {}
    threshold = changes.get("threshold", policy.threshold)
    if not Decimal(0) <= Decimal(str(threshold)) <= 1:
        errors["threshold"] = ["A share from 0 to 1, such as 0.900."]
    if int(changes.get("minimum_checks", policy.minimum_checks)) < 1:
        errors["minimum_checks"] = ["At least 1."]
    if not 1 <= int(changes.get("window_days", policy.window_days)) <= 365:
        errors["window_days"] = ["From 1 to 365 days."]
    if errors:
        raise ReviewInvalid("The policy has invalid values; see detail.", detail=errors)
    before = {name: str(getattr(policy, name)) for name in changes}
    for name, value in changes.items():
        setattr(policy, name, Decimal(str(value)) if name == "threshold" else value)
    policy.save(update_fields=list(changes))
    record_event(actor=actor, action="quality_policy.updated", target=policy,
                 data={"kind": kind, "before": before,
                       "after": {name: str(getattr(policy, name)) for name in changes}})
    return policy
