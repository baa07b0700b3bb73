"""Kept so that the migration graph stays whole: the annotation app grants its own permissions
(annotation's migration 0007), so that this lower app never names a higher one's."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("annotators", "0005_question_key_may_be_empty"),
    ]

    operations = []
