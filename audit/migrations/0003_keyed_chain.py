"""Events written from now on are keyed; those before read ``keyed`` false.

On PostgreSQL the column is added with a default and the default then dropped: no row is
updated, so the append-only trigger is not involved and old hashes stay as they were.
Reversing is refused once a keyed event exists: dropping the column would lose which scheme
each event was hashed with, and every keyed event would then fail verification.
"""

from django.conf import settings
from django.db import migrations, models


def refuse_once_keyed(apps, schema_editor):
    events = apps.get_model("audit", "AuditEvent").objects.using(schema_editor.connection.alias)
    if events.filter(keyed=True).exists():
        raise RuntimeError("The audit trail holds keyed events; unapplying audit.0003 would "
                           "make them unverifiable. Restore a backup instead.")


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0002_append_only_trigger'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='auditevent',
            name='keyed',
            field=models.BooleanField(default=False),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['actor_label'], name='audit_actor_label_idx'),
        ),
        migrations.RunPython(migrations.RunPython.noop, refuse_once_keyed),
    ]
