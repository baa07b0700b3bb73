"""Permission codenames of the compliance app."""

VIEW_REPORT = "compliance.view_compliance_report"
FREEZE_REPORT = "compliance.freeze_compliance_report"
VIEW_AUDIT_TRAIL = "compliance.view_audit_trail"
