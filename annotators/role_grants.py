"""Granting permissions to the role groups from data migrations.

Kept apart from models so that migrations can call it with their historical app registry.
"""

from django.contrib.auth.management import create_permissions


def grant_permissions(apps, schema_editor, grants: dict[str, list[tuple[str, str]]]) -> None:
    """Give each named group the (app label, codename) permissions listed for it."""
    db = schema_editor.connection.alias
    # Permissions are normally made after all migrations; make them now so they can be granted.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=db)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in grants.items():
        group, _ = Group.objects.using(db).get_or_create(name=name)
        for app_label, codename in codenames:
            group.permissions.add(Permission.objects.using(db).get(
                content_type__app_label=app_label, codename=codename))


def revoke_permissions(apps, schema_editor, grants: dict[str, list[tuple[str, str]]]) -> None:
    db = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in grants.items():
        group = Group.objects.using(db).filter(name=name).first()
        if group is None:
            continue
        for app_label, codename in codenames:
            group.permissions.remove(*Permission.objects.using(db).filter(
                content_type__app_label=app_label, codename=codename))
