"""Managers create and run tasks and read everything of them. Granting adds what is missing
and leaves what a group holds already, so running it where the grants exist changes
nothing."""

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
        ("annotation", "0006_background_jobs"),
        ("annotators", "0001_roles_and_groups"),
    ]

    operations = [migrations.RunPython(
        lambda apps, schema_editor: grant_permissions(apps, schema_editor, GRANTS),
        lambda apps, schema_editor: revoke_permissions(apps, schema_editor, GRANTS))]
