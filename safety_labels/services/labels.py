"""Safety labels as annotators submit them, withdrawn when their annotator fails on quality,
and marked once an export carried them out; the risks a reviewer names in a verdict on a
functional label."""

import uuid
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef

from config.db_router import SAFETY_DB
from config.errors import Invalid
from rules.models import RiskCategory

from ..models import SafetyApproval, SafetyLabel, VerdictRisk
from .locks import safety_label_qs_select_for_update

MAX_SPANS = 200
MAX_NOTE = 5000


class InvalidSafetyLabel(Invalid):
    code = "safety_label_invalid"


def _valid_codes(codes: list) -> list[str]:
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        raise InvalidSafetyLabel("Risk codes are a list such as [\"A.1.a\"].")
    known = set(RiskCategory.objects.values_list("code", flat=True))
    unknown = sorted(set(codes) - known)
    if unknown:
        raise InvalidSafetyLabel(f"Unknown risk codes: {', '.join(unknown)}. Codes run from "
                                 "A.1.a to A.5.b.", detail={"risk_codes": unknown})
    return sorted(set(codes))


def _valid_spans(spans: list, codes: list[str], text_length: int) -> list[dict]:
    if not isinstance(spans, list) or len(spans) > MAX_SPANS:
        raise InvalidSafetyLabel(f"Spans are a list of at most {MAX_SPANS}.")
    clean = []
    for index, span in enumerate(spans, start=1):
        if not isinstance(span, dict):
            raise InvalidSafetyLabel(f"Span {index} is not an object.")
        start, end, code = span.get("start"), span.get("end"), span.get("code")
        if not (isinstance(start, int) and isinstance(end, int)
                and 0 <= start < end <= text_length):
            raise InvalidSafetyLabel(f"Span {index} must run from 0 to {text_length}, start "
                                     "before end.")
        if code is not None and code not in codes:
            raise InvalidSafetyLabel(f"Span {index} names {code}, which the label does not.")
        clean.append({"start": start, "end": end, **({"code": code} if code else {})})
    return clean


def safety_label_submit(*, lease_id: int, task_id: int, item_id: int, annotator_id: int,
                        rule_version_id: int, client_id: uuid.UUID, risk_codes: list,
                        no_risk: bool, spans: list, note: str, text_length: int,
                        started_at: datetime, submitted_at: datetime,
                        too_fast: bool) -> tuple[SafetyLabel, bool]:
    """Commit a safety label, awaiting approval, in the safety database.

    Submitting again for the same lease or client id returns the stored label and creates
    nothing. Returns the label and whether it was created now.

    :raises InvalidSafetyLabel: for risk codes that are not a list or not known, codes
        together with "no risk", neither, a note too long, or spans that are not a list of
        objects inside the text naming the label's codes.
    """
    existing = SafetyLabel.objects.filter(lease_id=lease_id).first() or \
        SafetyLabel.objects.filter(annotator_id=annotator_id, client_id=client_id).first()
    if existing is not None:
        return existing, False
    codes = _valid_codes(risk_codes)
    if no_risk and codes:
        raise InvalidSafetyLabel("Choose risk codes or \"no risk\", not both.")
    if not no_risk and not codes:
        raise InvalidSafetyLabel("Choose the risk codes present, or \"no risk\" explicitly.")
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        raise InvalidSafetyLabel(f"The note is text of at most {MAX_NOTE} characters.")
    label = SafetyLabel(
        task_id=task_id, item_id=item_id, lease_id=lease_id, annotator_id=annotator_id,
        rule_version_id=rule_version_id, client_id=client_id, risk_codes=codes,
        no_risk=bool(no_risk), spans=_valid_spans(spans, codes, text_length), note=note,
        started_at=started_at, submitted_at=submitted_at, too_fast=too_fast)
    try:
        with transaction.atomic(using=SAFETY_DB):
            label.save(using=SAFETY_DB)
    except IntegrityError:
        # A concurrent retry of the same submission won the race: return its label.
        return SafetyLabel.objects.get(lease_id=lease_id), False
    return label, True


@transaction.atomic(using=SAFETY_DB, durable=True)
def safety_labels_withdraw(*, annotator_id: int) -> list[int]:
    """Withdraw the person's labels that no reviewer has decided on yet (a quality failure);
    returns their lease ids so that the items go back to the pool."""
    labels = safety_label_qs_select_for_update().filter(
        annotator_id=annotator_id, status=SafetyLabel.Status.SUBMITTED).exclude(
        Exists(SafetyApproval.objects.filter(label=OuterRef("pk"))))
    lease_ids = list(labels.values_list("lease_id", flat=True))
    SafetyLabel.objects.filter(lease_id__in=lease_ids).update(
        status=SafetyLabel.Status.SUPERSEDED)
    return lease_ids


def safety_labels_mark_exported(*, label_ids: list[int], at: datetime) -> int:
    """Record that an export carried these labels out; the first export counts. A thousand
    labels per statement, each committed on its own: marking again changes nothing."""
    marked = 0
    for start in range(0, len(label_ids), 1000):
        marked += SafetyLabel.objects.filter(pk__in=label_ids[start:start + 1000],
                                             first_exported_at=None) \
            .update(first_exported_at=at)
    return marked


def verdict_risks_record(*, check_id: int, task_id: int, item_id: int, risk_codes: list[str],
                         now: datetime) -> VerdictRisk | None:
    """Keep the risk categories named in a verdict on a sampled label, committed here before
    the verdict is in the main database; the verdict then names the row. None when the
    verdict names none."""
    if not risk_codes:
        return None
    return VerdictRisk.objects.create(check_id=check_id, task_id=task_id, item_id=item_id,
                                      risk_codes=sorted(set(risk_codes)), created_at=now)
