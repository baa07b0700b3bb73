"""Managers write, publish, retire and import rules; every role reads them."""

from django.db import migrations

from annotators.role_grants import grant_permissions, revoke_permissions

READ = [("rules", "view_ruleset"), ("rules", "view_ruleversion"), ("rules", "view_riskrule")]
GRANTS = {
    "Managers": [*READ, ("rules", "manage_rules"), ("rules", "view_ruleacknowledgement")],
    "Reviewers": READ,
    "Annotators": READ,
}


class Migration(migrations.Migration):
    dependencies = [
        ("annotators", "0001_roles_and_groups"),
        ("rules", "0003_rule_sets_and_versions"),
    ]

    operations = [migrations.RunPython(
        lambda apps, schema_editor: grant_permissions(apps, schema_editor, GRANTS),
        lambda apps, schema_editor: revoke_permissions(apps, schema_editor, GRANTS))]
