"""Managers create and run tasks; everyone reads the tasks their memberships open to them."""

from django.db import migrations

from annotators.role_grants import grant_permissions, revoke_permissions

GRANTS = {
    "Managers": [("annotation", "manage_task"), ("annotation", "view_task"),
                 ("annotation", "view_membership"), ("annotation", "view_item"),
                 ("annotation", "view_batch"), ("annotation", "view_lease"),
                 ("annotation", "view_functionallabel"), ("annotation", "view_importjob")],
}


class Migration(migrations.Migration):
    dependencies = [
        ("annotators", "0005_question_key_may_be_empty"),
        ("annotation", "0001_initial"),
    ]

    operations = [migrations.RunPython(
        lambda apps, schema_editor: grant_permissions(apps, schema_editor, GRANTS),
        lambda apps, schema_editor: revoke_permissions(apps, schema_editor, GRANTS))]
