"""What every background job's API answer says about where it stands."""

from rest_framework import serializers


class BackgroundJobSerializer(serializers.Serializer):
    status = serializers.CharField()
    status_text = serializers.CharField(help_text='In words, e.g. "Waiting for a worker".')
    waiting_for_worker = serializers.BooleanField(
        help_text="Queued and not yet taken by a worker (none running, or the broker out of "
                  "reach); it starts once one is.")
    attempts = serializers.IntegerField(help_text="Attempts started so far.")
    max_attempts = serializers.IntegerField()
    message = serializers.CharField(help_text="The outcome, or why an attempt failed.")
    enqueued_at = serializers.DateTimeField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    heartbeat_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
