"""Writes of the segregated store. Rows refer to the main database by id only; the callers
(the annotation and review apps) have checked those ids, and this app checks the label
itself.

Every entry point here commits in the safety database alone: it cannot join a transaction of
the main database, so its callers commit here first and follow up there (see
``review.services.approvals``)."""

from .decisions import (
    SafetyDecisionConflict,
    SafetyLabelAlreadyDecided,
    SafetyLabelIsOwn,
    SafetyLabelManagerInvolved,
    SafetyLabelNotEscalated,
    SafetyLabelNotFound,
    SafetyLabelNotOpen,
    safety_approvals_withdraw,
    safety_label_adjudicate,
    safety_label_decide,
    safety_label_escalate,
)
from .labels import (
    InvalidSafetyLabel,
    safety_label_submit,
    safety_labels_mark_exported,
    safety_labels_withdraw,
    verdict_risks_record,
)

__all__ = [
    "InvalidSafetyLabel", "SafetyDecisionConflict", "SafetyLabelAlreadyDecided",
    "SafetyLabelIsOwn", "SafetyLabelManagerInvolved", "SafetyLabelNotEscalated",
    "SafetyLabelNotFound", "SafetyLabelNotOpen", "safety_approvals_withdraw",
    "safety_label_adjudicate", "safety_label_decide", "safety_label_escalate",
    "safety_label_submit", "safety_labels_mark_exported", "safety_labels_withdraw",
    "verdict_risks_record",
]
