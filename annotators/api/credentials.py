"""The workforce API for credentials: listing, history, suspension, reinstatement and
revocation, and the retraining and reassessment people owe."""

from collections.abc import Callable

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import paginated_response

from .. import selectors, services
from ..models import Credential, CredentialKind
from .common import ManagesWorkforce, ManagesWorkforceToWrite


class CredentialSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.CharField(source="user.username")
    user_id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField()
    issued_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    assessed_at = serializers.DateTimeField()
    suspension_cause = serializers.CharField()
    suspension_reason = serializers.CharField()
    suspended_until_date = serializers.DateField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)


class CredentialEventSerializer(serializers.Serializer):
    action = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class CredentialListApi(APIView):
    class CredentialFilterSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=CredentialKind.choices, required=False)
        status = serializers.ChoiceField(choices=["active", "suspended", "revoked", "expired"],
                                         required=False)
        expiring_within_days = serializers.IntegerField(
            min_value=0, max_value=selectors.EXPIRING_WITHIN_DAYS_MAX, required=False)
        search = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(parameters=[CredentialFilterSerializer],
                   responses=CredentialSerializer(many=True),
                   summary="Credentials: your own, or everyone's for managers; filterable")
    def get(self, request: Request) -> Response:
        filters = self.CredentialFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        credentials = selectors.credential_list_for_actor(actor=request.user,
                                                          **filters.validated_data)
        return paginated_response(self, request, credentials, CredentialSerializer)


class CredentialDetailApi(APIView):
    @extend_schema(responses=CredentialSerializer, summary="One credential")
    def get(self, request: Request, credential_id: int) -> Response:
        credential = selectors.credential_get_for_actor(actor=request.user,
                                                        credential_id=credential_id)
        return Response(CredentialSerializer(credential).data)


class CredentialHistoryApi(APIView):
    @extend_schema(responses=CredentialEventSerializer(many=True),
                   summary="Every transition of a credential, with actor, reason and time")
    def get(self, request: Request, credential_id: int) -> Response:
        credential = selectors.credential_get_for_actor(actor=request.user,
                                                        credential_id=credential_id)
        return paginated_response(self, request,
                                  selectors.credential_history(credential=credential),
                                  CredentialEventSerializer)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class SuspendSerializer(ReasonSerializer):
    until_date = serializers.DateField(required=False, allow_null=True)


def _credential_action(request: Request, *, credential_id: int,
                       serializer_class: type[serializers.Serializer],
                       service: Callable[..., Credential]) -> Response:
    selectors.credential_get_for_actor(actor=request.user, credential_id=credential_id)
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    credential = service(actor=request.user, credential_id=credential_id,
                         **serializer.validated_data)
    return Response(CredentialSerializer(credential).data)


class CredentialSuspendApi(APIView):
    permission_classes = [ManagesWorkforce]

    @extend_schema(request=SuspendSerializer, responses=CredentialSerializer,
                   summary="Suspend, with a reason, optionally until a date")
    def post(self, request: Request, credential_id: int) -> Response:
        return _credential_action(request, credential_id=credential_id,
                                  serializer_class=SuspendSerializer,
                                  service=services.credential_suspend)


class CredentialReinstateApi(APIView):
    permission_classes = [ManagesWorkforce]

    @extend_schema(request=ReasonSerializer, responses=CredentialSerializer,
                   summary="Reinstate a suspended credential")
    def post(self, request: Request, credential_id: int) -> Response:
        return _credential_action(request, credential_id=credential_id,
                                  serializer_class=ReasonSerializer,
                                  service=services.credential_reinstate)


class CredentialRevokeApi(APIView):
    permission_classes = [ManagesWorkforce]

    @extend_schema(request=ReasonSerializer, responses=CredentialSerializer,
                   summary="Revoke for good")
    def post(self, request: Request, credential_id: int) -> Response:
        return _credential_action(request, credential_id=credential_id,
                                  serializer_class=ReasonSerializer,
                                  service=services.credential_revoke)


class AssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.CharField(source="user.username")
    kind = serializers.CharField()
    type = serializers.CharField()
    source = serializers.CharField()
    course = serializers.IntegerField(source="course_id", allow_null=True)
    due_date = serializers.DateField()
    reason = serializers.CharField()
    evidence = serializers.JSONField()
    status = serializers.CharField()
    completed_at = serializers.DateTimeField(allow_null=True)


class AssignmentListApi(APIView):
    permission_classes = [ManagesWorkforceToWrite]

    class ScheduleInputSerializer(serializers.Serializer):
        user_ids = serializers.ListField(child=serializers.IntegerField(), min_length=1,
                                         max_length=500)
        kind = serializers.ChoiceField(choices=CredentialKind.choices)
        due_date = serializers.DateField()
        reason = serializers.CharField()
        course_id = serializers.IntegerField(required=False, allow_null=True)

    @extend_schema(responses=AssignmentSerializer(many=True),
                   summary="Retraining and reassessment owed: yours, or everyone's")
    def get(self, request: Request) -> Response:
        assignments = selectors.assignment_list_for_actor(
            actor=request.user, status=request.query_params.get("status", ""))
        return paginated_response(self, request, assignments, AssignmentSerializer)

    @extend_schema(request=ScheduleInputSerializer,
                   responses={201: AssignmentSerializer(many=True)},
                   summary="Schedule retraining for chosen people")
    def post(self, request: Request) -> Response:
        serializer = self.ScheduleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = services.assignment_schedule(actor=request.user, **serializer.validated_data)
        return Response(AssignmentSerializer(created, many=True).data,
                        status=status.HTTP_201_CREATED)
