"""Quality: each annotator's figures against their policy's threshold, the policies
themselves, and the signals that suspended someone."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import paginated_response

from .. import selectors, services


class QualityFigureSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user.pk")
    username = serializers.CharField(source="user.username")
    kind = serializers.CharField(source="figure.kind")
    task = serializers.IntegerField(source="figure.task.pk", allow_null=True)
    measure = serializers.CharField(source="figure.measure")
    value = serializers.FloatField(source="figure.value")
    checks = serializers.IntegerField(source="figure.checks")
    threshold = serializers.FloatField(source="figure.threshold", allow_null=True)
    threshold_from = serializers.SerializerMethodField(
        help_text="policy when the quality policy sets the threshold, rules when it is the "
                  "target accuracy of the task's rules.")
    fails = serializers.BooleanField(source="figure.fails")

    def get_threshold_from(self, row) -> str:
        policy = row["figure"].policy
        return "policy" if policy and policy.threshold is not None else "rules"


class QualityListApi(APIView):
    @extend_schema(responses=QualityFigureSerializer(many=True),
                   summary="Each annotator's accuracy (per task) or rejection rate over the policy "
                           "window, against its threshold")
    def get(self, request: Request) -> Response:
        selectors.require_quality_reader(actor=request.user)
        rows = QualityFigureSerializer(selectors.quality_overview(), many=True).data
        return Response({"count": len(rows), "results": rows})


class QualityPolicySerializer(serializers.Serializer):
    kind = serializers.CharField(read_only=True)
    threshold = serializers.DecimalField(
        max_digits=4, decimal_places=3, min_value=0, max_value=1, allow_null=True,
        help_text="Functional: null holds each annotator to the target accuracy of the "
                  "task's rules.")
    minimum_checks = serializers.IntegerField(min_value=1, max_value=10000)
    window_days = serializers.IntegerField(min_value=1, max_value=365)
    enabled = serializers.BooleanField()


class QualityPolicyListApi(APIView):
    @extend_schema(responses=QualityPolicySerializer(many=True),
                   summary="Quality policies, one per annotating credential")
    def get(self, request: Request) -> Response:
        selectors.require_quality_reader(actor=request.user)
        policies = list(selectors.quality_policies().values())
        return Response({"count": len(policies),
                         "results": QualityPolicySerializer(policies, many=True).data})


class QualityPolicyDetailApi(APIView):
    @extend_schema(request=QualityPolicySerializer(partial=True),
                   responses=QualityPolicySerializer, summary="Change a quality policy")
    def patch(self, request: Request, kind: str) -> Response:
        if not request.user.has_perm("review.manage_quality"):
            raise Http404("No such policy.")
        serializer = QualityPolicySerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        policy = services.quality_policy_update(actor=request.user, kind=kind,
                                                changes=serializer.validated_data)
        return Response(QualityPolicySerializer(policy).data)


class QualitySignalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.IntegerField(source="user_id")
    kind = serializers.CharField()
    measure = serializers.CharField()
    value = serializers.DecimalField(max_digits=5, decimal_places=4)
    checks = serializers.IntegerField()
    threshold = serializers.DecimalField(max_digits=4, decimal_places=3)
    window_days = serializers.IntegerField()
    evidence = serializers.JSONField()
    created_at = serializers.DateTimeField()


class QualitySignalListApi(APIView):
    @extend_schema(responses=QualitySignalSerializer(many=True),
                   summary="Quality signals that suspended someone, with their evidence")
    def get(self, request: Request) -> Response:
        selectors.require_quality_reader(actor=request.user)
        user_id = request.query_params.get("user")
        if user_id is not None and not user_id.isdigit():
            raise Http404("No such person.")
        person = selectors.quality_person_get(user_id=int(user_id)) if user_id else None
        return paginated_response(
            self, request, selectors.signal_list(user_id=person.pk if person else None),
            QualitySignalSerializer)
