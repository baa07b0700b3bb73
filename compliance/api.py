"""The compliance report and its snapshots through the API: the same figures as the page."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import paginated_response

from . import selectors, services
from .forms import ReportForm
from .report import compliance_report


class PeriodSerializer(serializers.Serializer):
    period_from = serializers.DateField(required=False)
    period_to = serializers.DateField(required=False)
    task = serializers.IntegerField(required=False, allow_null=True)


def _period(data) -> dict:
    """The period and scope asked for, the last thirty days by default.

    :raises PeriodInvalid, ScopeTaskNotFound: for a bad period or an unknown task.
    """
    form = ReportForm.for_request({key: data.get(key) for key in ("period_from", "period_to")})
    if not form.is_valid():
        raise services.PeriodInvalid("Write the dates as YYYY-MM-DD.", detail={
            {"period_from": "from", "period_to": "to"}.get(field, field): problems
            for field, problems in form.errors.items()})
    task = data.get("task")
    if task not in (None, "") and not str(task).isdigit():
        raise services.PeriodInvalid("The task is a number.", detail={"task": ["A number."]})
    period_from, period_to = form.cleaned_data["period_from"], form.cleaned_data["period_to"]
    services.check_period(period_from, period_to)
    return {"period_from": period_from, "period_to": period_to,
            "task_id": int(task) if task not in (None, "") else None}


REPORT = inline_serializer("ComplianceReport", {
    "scope": serializers.JSONField(), "generated_at": serializers.DateTimeField(),
    "status": serializers.ChoiceField(choices=["holds", "at_risk", "violated"]),
    "audit_head": serializers.CharField(), "sections": serializers.JSONField()})
PERIOD_PARAMETERS = [
    OpenApiParameter("period_from", str, description="YYYY-MM-DD; 30 days ago by default"),
    OpenApiParameter("period_to", str, description="YYYY-MM-DD; today by default"),
    OpenApiParameter("task", int, description="One task; all tasks by default")]


class ReportApi(APIView):
    @extend_schema(parameters=PERIOD_PARAMETERS, responses=REPORT,
                   summary="The compliance report, each figure recomputed from the rows")
    def get(self, request: Request) -> Response:
        selectors.require_report_reader(request.user)
        scope = _period(request.query_params)
        made = compliance_report(period_from=scope["period_from"],
                                 period_to=scope["period_to"],
                                 task=services.scope_task(scope["task_id"]))
        return Response(made.as_dict())


class SnapshotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    period_from = serializers.DateField()
    period_to = serializers.DateField()
    task = serializers.IntegerField(source="task_id", allow_null=True)
    report_hash = serializers.CharField()
    audit_head = serializers.CharField()
    status = serializers.CharField(source="report.status")
    created_by = serializers.CharField(source="created_by.username")
    created_at = serializers.DateTimeField()


class SnapshotListApi(APIView):
    @extend_schema(responses=SnapshotSerializer(many=True), summary="Frozen reports")
    def get(self, request: Request) -> Response:
        selectors.require_report_reader(request.user)
        return paginated_response(self, request, selectors.snapshot_list(), SnapshotSerializer)

    @extend_schema(request=PeriodSerializer, responses={201: SnapshotSerializer},
                   summary="Freeze the report of a period and scope (managers); its hash "
                           "goes to the audit trail")
    def post(self, request: Request) -> Response:
        selectors.require_report_reader(request.user)
        scope = _period(request.data)
        snapshot = services.snapshot_freeze(actor=request.user, **scope)
        return Response(SnapshotSerializer(snapshot).data, status=status.HTTP_201_CREATED)


class SnapshotDetailApi(APIView):
    @extend_schema(responses=inline_serializer("SnapshotDetail", {
        "snapshot": SnapshotSerializer(), "report": REPORT,
        "comparison": serializers.JSONField(
            help_text="intact: the stored report still has its hash; agrees: every figure "
                      "recomputed now equals the frozen one; figures: each one.")}),
        summary="A frozen report, and how the same report made now compares with it")
    def get(self, request: Request, snapshot_id: int) -> Response:
        selectors.require_report_reader(request.user)
        snapshot = selectors.snapshot_get(snapshot_id=snapshot_id)
        return Response({"snapshot": SnapshotSerializer(snapshot).data,
                         "report": snapshot.report,
                         "comparison": selectors.snapshot_compare(snapshot=snapshot)})
