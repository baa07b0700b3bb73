"""Create the three role groups and give managers what they need so far.

Later migrations extend the groups' permissions as new capabilities arrive.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

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


def ensure_permissions(apps, using):
    # Permissions are normally made after all migrations; make them now so they can be granted.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=using)
        app_config.models_module = None


def create_groups(apps, schema_editor):
    db = schema_editor.connection.alias
    ensure_permissions(apps, db)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in PERMISSIONS.items():
        group, _ = Group.objects.using(db).get_or_create(name=name)
        for app_label, codename in codenames:
            group.permissions.add(Permission.objects.using(db).get(
                content_type__app_label=app_label, codename=codename))


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
