"""Create the three role groups and give managers what they need so far.

Later migrations extend the groups' permissions as new capabilities arrive.
"""

from django.db import migrations

from annotators.role_grants import grant_permissions

PERMISSIONS = {
    "Managers": [
        ("audit", "view_auditevent"),
        ("rules", "view_riskgroup"),
        ("rules", "view_riskcategory"),
        ("auth", "view_user"),
        ("auth", "add_user"),
        ("auth", "change_user"),
    ],
    "Reviewers": [("rules", "view_riskgroup"), ("rules", "view_riskcategory")],
    "Annotators": [("rules", "view_riskgroup"), ("rules", "view_riskcategory")],
}


def create_groups(apps, schema_editor):
    grant_permissions(apps, schema_editor, PERMISSIONS)


def remove_groups(apps, schema_editor):
    db = schema_editor.connection.alias
    apps.get_model("auth", "Group").objects.using(db).filter(name__in=PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("audit", "0001_initial"),
        ("rules", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
