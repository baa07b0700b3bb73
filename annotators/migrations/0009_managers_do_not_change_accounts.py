"""Managers no longer hold ``auth.add_user`` and ``auth.change_user``.

With them, a manager made staff could give anyone, themselves included, superuser or staff
status, groups and permissions in the admin. Only superusers manage accounts there now;
managers create workers through ``person_create`` and keep ``auth.view_user``.
"""

from django.db import migrations

from annotators.role_grants import grant_permissions, revoke_permissions

ACCOUNT_CHANGES = {"Managers": [("auth", "add_user"), ("auth", "change_user")]}


def take_away(apps, schema_editor):
    revoke_permissions(apps, schema_editor, ACCOUNT_CHANGES)


def give_back(apps, schema_editor):
    grant_permissions(apps, schema_editor, ACCOUNT_CHANGES)


class Migration(migrations.Migration):
    dependencies = [("annotators", "0008_api_tokens")]

    operations = [migrations.RunPython(take_away, give_back)]
