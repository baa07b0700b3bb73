"""Sample checks: a reviewer takes the next sampled label and records a verdict on it."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.api import ItemSerializer

from .. import selectors, services
from ..models import SampleCheck


class SampleCheckSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sample = serializers.IntegerField(source="sample_id")
    batch_number = serializers.IntegerField(source="sample.batch.number")
    rule_version = serializers.IntegerField(source="label.rule_version_id")
    item = ItemSerializer()
    label = serializers.JSONField(source="label.payload")
    too_fast = serializers.BooleanField()
    recheck = serializers.BooleanField(help_text="A label made again after its item failed a "
                                                 "check, checked before export.")
    verdict = serializers.CharField()
    note = serializers.CharField()
    risk_codes = serializers.SerializerMethodField()
    checked_at = serializers.DateTimeField()

    def get_risk_codes(self, check) -> list[str]:
        return selectors.check_risk_codes(checks=[check])[check.pk]


class SampleCheckNextApi(APIView):
    @extend_schema(request=None, responses={200: SampleCheckSerializer, 204: None},
                   summary="Take the next sampled label to check (204 when none is waiting)")
    def post(self, request: Request, task_id: int) -> Response:
        check = services.sample_check_next(reviewer=request.user, task_id=task_id)
        if check is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(SampleCheckSerializer(check).data)


class SampleCheckVerdictApi(APIView):
    class VerdictInputSerializer(serializers.Serializer):
        verdict = serializers.ChoiceField(choices=SampleCheck.Verdict.choices)
        note = serializers.CharField(required=False, allow_blank=True, default="",
                                     max_length=5000)
        risk_codes = serializers.ListField(child=serializers.CharField(max_length=8),
                                           required=False, default=list, max_length=31)

    @extend_schema(request=VerdictInputSerializer, responses=SampleCheckSerializer,
                   summary="Record a verdict on a sampled label; the last one decides the batch",
                   description="Illegal content is A.1 to A.4: a verdict of illegal content "
                               "naming only A.5 risks is recorded as inaccurate.")
    def post(self, request: Request, check_id: int) -> Response:
        selectors.sample_check_get_for_reviewer(actor=request.user, check_id=check_id)
        serializer = self.VerdictInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        check = services.sample_check_record(reviewer=request.user, check_id=check_id,
                                             **serializer.validated_data)
        return Response(SampleCheckSerializer(check).data)
