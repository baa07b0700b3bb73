"""Who may write rules: holders of ``rules.manage_rules`` (the Managers group)."""

from config.api import permission_to_write

MANAGE_RULES = "rules.manage_rules"

ManagesRulesToWrite = permission_to_write(
    MANAGE_RULES, "Only managers with the rules permission may change rules.")
