"""Managers read and freeze the compliance report and read the audit trail; compliance
officers, a read-only group, read them too."""

from django.db import migrations

from annotators.role_grants import grant_permissions, revoke_permissions

READ = [("compliance", "view_compliance_report"), ("compliance", "view_audit_trail"),
        ("compliance", "view_compliancesnapshot")]
GRANTS = {
    "Managers": [*READ, ("compliance", "freeze_compliance_report")],
    "Compliance officers": READ,
}


def remove_group(apps, schema_editor):
    revoke_permissions(apps, schema_editor, GRANTS)
    apps.get_model("auth", "Group").objects.using(schema_editor.connection.alias).filter(
        name="Compliance officers").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0001_compliance_snapshots"),
        ("annotators", "0007_exam_and_policy_bounds"),
    ]

    operations = [
        migrations.RunPython(lambda apps, schema_editor: grant_permissions(
            apps, schema_editor, GRANTS), remove_group),
    ]
