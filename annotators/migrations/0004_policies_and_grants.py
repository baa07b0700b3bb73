"""One policy per credential kind, with defaults; managers run the workforce."""

from django.db import migrations

from annotators.role_grants import grant_permissions, revoke_permissions

KINDS = ["functional_annotate", "functional_review", "safety_annotate", "safety_review"]
GRANTS = {
    "Managers": [("annotators", "manage_workforce")] + [
        ("annotators", f"view_{model}") for model in (
            "course", "module", "trainingrecord", "exam", "question", "examattempt",
            "credentialpolicy", "credential", "credentialevent", "assignment")],
}


def create_policies(apps, schema_editor):
    db = schema_editor.connection.alias
    policy = apps.get_model("annotators", "CredentialPolicy")
    for kind in KINDS:
        policy.objects.using(db).get_or_create(kind=kind)
    grant_permissions(apps, schema_editor, GRANTS)


def remove_policies(apps, schema_editor):
    revoke_permissions(apps, schema_editor, GRANTS)
    apps.get_model("annotators", "CredentialPolicy").objects.using(
        schema_editor.connection.alias).all().delete()


class Migration(migrations.Migration):
    dependencies = [("annotators", "0003_workforce")]

    operations = [migrations.RunPython(create_policies, remove_policies)]
