"""The audit trail API: its events, filtered and paginated, and the chain's verification.

For holders of ``compliance.view_audit_trail``; anyone else logged in gets 404.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.selectors import audit_chain_verify, audit_event_list
from config.api import paginated_response

from .permissions import VIEW_AUDIT_TRAIL


class ReadsAuditTrail(BasePermission):
    """Logged in (else 401/403 as DRF answers) and holding the permission (else 404, so that
    the trail's existence does not leak)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if not user.has_perm(VIEW_AUDIT_TRAIL):
            raise exceptions.NotFound()
        return True


def _given(request: Request) -> dict[str, str]:
    """The query's parameters that carry a value: an empty one (?from=) filters nothing."""
    return {name: value for name, value in request.query_params.items() if value.strip()}


class _RenamedFields(serializers.Serializer):
    """Expose fields under names Python keeps off class bodies (``from``)."""

    renamed: dict[str, str] = {}

    def get_fields(self) -> dict:
        fields = super().get_fields()
        for attribute, name in self.renamed.items():
            field = fields.pop(attribute)
            field.source = attribute
            fields[name] = field
        return fields


class AuditEventListApi(APIView):
    permission_classes = [ReadsAuditTrail]

    class AuditFilterSerializer(_RenamedFields):
        renamed = {"date_from": "from", "date_to": "to"}

        actor = serializers.CharField(required=False, allow_blank=True, max_length=150,
                                      help_text="A username as recorded, system or anonymous.")
        action = serializers.CharField(required=False, allow_blank=True, max_length=100,
                                       help_text="Exact, or a prefix ending in a dot "
                                                 "(credential.).")
        target_type = serializers.CharField(required=False, allow_blank=True, max_length=100)
        target_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
        date_from = serializers.DateField(required=False, allow_null=True,
                                          help_text="First day (YYYY-MM-DD), included.")
        date_to = serializers.DateField(required=False, allow_null=True,
                                        help_text="Last day (YYYY-MM-DD), included.")

        def validate(self, attrs: dict) -> dict:
            first, last = attrs.get("date_from"), attrs.get("date_to")
            if first and last and first > last:
                raise serializers.ValidationError(
                    {"to": ["The last day is before the first; swap them."]})
            return attrs

    class AuditEventSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        created_at = serializers.DateTimeField()
        actor = serializers.CharField(source="actor_label",
                                      help_text="The username when the event happened, or "
                                                "system, or anonymous.")
        actor_id = serializers.IntegerField(allow_null=True)
        action = serializers.CharField()
        target_type = serializers.CharField()
        target_id = serializers.CharField()
        data = serializers.JSONField()
        keyed = serializers.BooleanField(help_text="False for events from before the chain "
                                                   "was keyed.")
        prev_hash = serializers.CharField()
        hash = serializers.CharField()

    @extend_schema(parameters=[AuditFilterSerializer],
                   responses=AuditEventSerializer(many=True),
                   summary="Audit events, newest first, filtered")
    def get(self, request: Request) -> Response:
        serializer = self.AuditFilterSerializer(data=_given(request))
        serializer.is_valid(raise_exception=True)
        events = audit_event_list(**serializer.validated_data)
        return paginated_response(self, request, events, self.AuditEventSerializer)


class AuditChainApi(APIView):
    permission_classes = [ReadsAuditTrail]

    class AuditChainInputSerializer(serializers.Serializer):
        expect_head = serializers.RegexField(
            r"^[0-9a-fA-F]{64}$", required=False,
            help_text="A head hash noted earlier; the chain is broken if no event has it.",
            error_messages={"invalid": "Give the 64 hexadecimal characters of a head hash."})

    class AuditChainSerializer(serializers.Serializer):
        class AuditChainBreakSerializer(serializers.Serializer):
            event_id = serializers.IntegerField(allow_null=True)
            reason = serializers.CharField()

        class AuditExpectedHeadSerializer(serializers.Serializer):
            hash = serializers.CharField()
            found = serializers.BooleanField()
            event_id = serializers.IntegerField(allow_null=True)
            events_since = serializers.IntegerField()

        intact = serializers.BooleanField()
        events_checked = serializers.IntegerField()
        unkeyed_events = serializers.IntegerField(
            help_text="Events from before the chain was keyed, checked by plain hashes.")
        head_hash = serializers.CharField(source="last_hash")
        first_break = AuditChainBreakSerializer(allow_null=True)
        expected_head = AuditExpectedHeadSerializer(allow_null=True)

    @extend_schema(parameters=[AuditChainInputSerializer], responses=AuditChainSerializer,
                   summary="Verify the audit chain; its status and head hash")
    def get(self, request: Request) -> Response:
        serializer = self.AuditChainInputSerializer(data=_given(request))
        serializer.is_valid(raise_exception=True)
        report = audit_chain_verify(expect_head=serializer.validated_data.get("expect_head"))
        return Response(self.AuditChainSerializer(report).data)
