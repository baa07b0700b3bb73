"""The workforce API for credential policies: how each kind is earned and kept."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import paginated_response

from .. import selectors, services
from ..models import CredentialPolicy
from .common import ManagesWorkforceToWrite, bounded_integer


class PolicySerializer(serializers.Serializer):
    kind = serializers.CharField(read_only=True)
    course = serializers.PrimaryKeyRelatedField(queryset=selectors.course_list(),
                                                allow_null=True, required=False)
    exam = serializers.PrimaryKeyRelatedField(queryset=selectors.exam_list(), allow_null=True,
                                              required=False)
    validity_days = bounded_integer(CredentialPolicy, "validity_days", required=False)
    retraining_interval_days = bounded_integer(CredentialPolicy, "retraining_interval_days",
                                                required=False)
    reassessment_interval_days = bounded_integer(CredentialPolicy,
                                                  "reassessment_interval_days", required=False)
    grace_days = bounded_integer(CredentialPolicy, "grace_days", required=False)
    max_attempts = bounded_integer(CredentialPolicy, "max_attempts", required=False)
    cooldown_hours = bounded_integer(CredentialPolicy, "cooldown_hours", required=False)
    revocation_wait_days = bounded_integer(CredentialPolicy, "revocation_wait_days",
                                            required=False)
    expiry_notice_days = bounded_integer(CredentialPolicy, "expiry_notice_days",
                                          required=False)


class PolicyListApi(APIView):
    @extend_schema(responses=PolicySerializer(many=True), summary="The four credential policies")
    def get(self, request: Request) -> Response:
        return paginated_response(self, request, selectors.policy_list(), PolicySerializer)


class PolicyDetailApi(APIView):
    permission_classes = [ManagesWorkforceToWrite]

    @extend_schema(responses=PolicySerializer, summary="One credential kind's policy")
    def get(self, request: Request, kind: str) -> Response:
        return Response(PolicySerializer(selectors.policy_get(kind=kind)).data)

    @extend_schema(request=PolicySerializer, responses=PolicySerializer,
                   summary="Change a policy (the course must cover the four topics)")
    def patch(self, request: Request, kind: str) -> Response:
        selectors.policy_get(kind=kind)
        serializer = PolicySerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        policy = services.policy_update(actor=request.user, kind=kind,
                                        changes=dict(serializer.validated_data))
        return Response(PolicySerializer(policy).data)
