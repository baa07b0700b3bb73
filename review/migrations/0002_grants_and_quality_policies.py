"""Managers export what passed review and set quality policies; default policies exist for
both annotating credentials."""

from decimal import Decimal

from django.db import migrations

from annotators.role_grants import grant_permissions, revoke_permissions

GRANTS = {
    "Managers": [("review", "export_labels"), ("review", "export_safety_labels"),
                 ("review", "manage_quality"), ("review", "view_batchdecision"),
                 ("review", "adjudicate_safety_labels"),
                 ("review", "view_sample"), ("review", "view_qualitysignal")],
}

# Functional: suspend below 90 % accuracy; safety: above 20 % rejected labels.
POLICIES = [("functional_annotate", Decimal("0.900")), ("safety_annotate", Decimal("0.200"))]


def create_policies(apps, schema_editor):
    QualityPolicy = apps.get_model("review", "QualityPolicy")
    for kind, threshold in POLICIES:
        QualityPolicy.objects.using(schema_editor.connection.alias).get_or_create(
            kind=kind, defaults={"threshold": threshold, "minimum_checks": 20,
                                 "window_days": 30})


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0001_initial"),
        ("annotators", "0006_grant_task_permissions"),
    ]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: grant_permissions(apps, schema_editor, GRANTS),
            lambda apps, schema_editor: revoke_permissions(apps, schema_editor, GRANTS)),
        migrations.RunPython(create_policies, migrations.RunPython.noop),
    ]
