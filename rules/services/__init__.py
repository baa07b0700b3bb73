"""Every write of the rules app: rule sets, their versions, risk rules and acknowledgements."""

from .acknowledgements import rule_version_acknowledge
from .common import (
    InvalidRuleContent,
    RuleSetNotFound,
    RulesPermissionDenied,
    RuleVersionNotFound,
    RuleVersionWrongState,
    rule_set_qs_select_for_update,
    rule_version_qs_select_for_update,
)
from .drafts import (
    DraftAlreadyExists,
    RiskCategoryNotFound,
    RuleVersionNotEditable,
    risk_rule_save,
    rule_set_create,
    rule_version_new_draft,
    rule_version_update,
)
from .portability import IMPORT_SCHEMA, rule_version_import
from .publishing import RuleVersionIncomplete, rule_version_publish, rule_version_retire

__all__ = [
    "IMPORT_SCHEMA", "DraftAlreadyExists", "InvalidRuleContent", "RiskCategoryNotFound",
    "RuleSetNotFound", "RuleVersionIncomplete", "RuleVersionNotEditable", "RuleVersionNotFound",
    "RuleVersionWrongState", "RulesPermissionDenied", "risk_rule_save", "rule_set_create",
    "rule_set_qs_select_for_update", "rule_version_acknowledge", "rule_version_import",
    "rule_version_new_draft", "rule_version_publish", "rule_version_qs_select_for_update",
    "rule_version_retire", "rule_version_update",
]
