"""Who may write rules: holders of ``rules.manage_rules`` (the Managers group)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

MANAGE_RULES = "rules.manage_rules"


class ManagesRulesToWrite(BasePermission):
    """Anyone logged in reads; only rule managers write. Checked before any input is parsed."""

    message = "Only managers with the rules permission may change rules."

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or request.user.has_perm(MANAGE_RULES)
