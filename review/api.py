"""The review API: samples and their checks, batch decisions, safety approvals, quality
signals and exports. Reviewers reach only the tasks they review; managers reach all."""

from django.contrib.auth import get_user_model
from django.http import FileResponse, Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.api import ItemSerializer
from annotation.selectors import can_manage_tasks, task_get_for_actor
from config.api import paginated_response
from jobs.api import BackgroundJobSerializer

from . import selectors, services
from .export_formats import FORMATS
from .models import ExportJob, SampleCheck


class SampleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    batch = serializers.IntegerField(source="batch_id")
    batch_number = serializers.IntegerField(source="batch.number")
    round = serializers.IntegerField()
    scheme = serializers.CharField()
    severity = serializers.CharField()
    aql = serializers.CharField()
    inspection_level = serializers.CharField()
    code_letter = serializers.CharField()
    batch_size = serializers.IntegerField()
    plan_size = serializers.IntegerField()
    accept = serializers.IntegerField()
    reject = serializers.IntegerField()
    seed = serializers.IntegerField()
    item_ids = serializers.ListField(child=serializers.IntegerField())
    strata = serializers.SerializerMethodField(
        help_text="The too-fast items, and the items drawn per annotator: keyed by user id "
                  "for managers, by the annotator's pseudonym in the task for anyone else.")
    drawn_at = serializers.DateTimeField()
    checks_total = serializers.IntegerField(required=False)
    checks_done = serializers.IntegerField(required=False)

    def get_strata(self, sample) -> dict:
        if self.context.get("names"):
            return sample.strata
        return selectors.strata_pseudonymous(sample)


def _names_for(request: Request) -> dict:
    """The serializer context that shows people's ids and names to managers only."""
    return {"names": can_manage_tasks(request.user)}


class SampleListApi(APIView):
    @extend_schema(responses=SampleSerializer(many=True),
                   summary="Samples of a task's batches, newest first")
    def get(self, request: Request, task_id: int) -> Response:
        task = selectors.task_get_for_review_reader(actor=request.user, task_id=task_id)
        return paginated_response(self, request, selectors.sample_list_for_task(task=task),
                                  SampleSerializer, context_for_page=lambda page:
                                  _names_for(request))


class SampleDetailApi(APIView):
    @extend_schema(responses=inline_serializer("SampleDetail", {
        "sample": SampleSerializer(), "redrawn_item_ids": serializers.ListField(
            child=serializers.IntegerField()), "redraw_matches": serializers.BooleanField()}),
        summary="A sample with its plan and seed, drawn again to show it reproduces")
    def get(self, request: Request, sample_id: int) -> Response:
        sample = selectors.sample_get_for_actor(actor=request.user, sample_id=sample_id)
        redrawn = services.sample_redraw(sample=sample)
        return Response({"sample": SampleSerializer(sample, context=_names_for(request)).data,
                         "redrawn_item_ids": redrawn,
                         "redraw_matches": redrawn == sample.item_ids})


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
        return selectors.check_risk_codes([check])[check.pk]


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


class DecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    batch = serializers.IntegerField(source="batch_id")
    batch_number = serializers.IntegerField(source="batch.number")
    sample = serializers.IntegerField(source="sample_id", allow_null=True)
    round = serializers.IntegerField(source="sample.round", allow_null=True, default=None)
    cause = serializers.CharField()
    outcome = serializers.CharField()
    exported_before = serializers.BooleanField()
    items_checked = serializers.IntegerField()
    labels_checked = serializers.IntegerField()
    items_inaccurate = serializers.IntegerField()
    items_illegal = serializers.IntegerField()
    accept = serializers.IntegerField()
    reject = serializers.IntegerField()
    accuracy = serializers.FloatField(allow_null=True)
    evidence = serializers.JSONField()
    illegal_risks = serializers.SerializerMethodField(
        help_text="Per illegal item, the risk codes named (kept in the safety database).")
    decided_at = serializers.DateTimeField()

    def get_illegal_risks(self, decision) -> dict[str, list[str]]:
        # The list views read the codes of a whole page at once and pass them in.
        page = self.context.get("illegal_risks")
        codes = page[decision.pk] if page is not None else \
            selectors.decision_risk_codes(decision=decision)
        return {str(item): item_codes for item, item_codes in codes.items()}


def _risks_of_page(decisions) -> dict:
    return {"illegal_risks": selectors.decisions_risk_codes(decisions=decisions)}


class DecisionListApi(APIView):
    @extend_schema(responses=DecisionSerializer(many=True),
                   summary="Batch decisions of a task with their numbers and evidence")
    def get(self, request: Request, task_id: int) -> Response:
        task = selectors.task_get_for_review_reader(actor=request.user, task_id=task_id)
        return paginated_response(self, request, selectors.decision_list_for_task(task=task),
                                  DecisionSerializer, context_for_page=_risks_of_page)


class DecisionDetailApi(APIView):
    @extend_schema(responses=DecisionSerializer, summary="One batch decision")
    def get(self, request: Request, decision_id: int) -> Response:
        decision = selectors.decision_get_for_actor(actor=request.user,
                                                    decision_id=decision_id)
        return Response(DecisionSerializer(decision).data)


class SafetyLabelSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    task = serializers.IntegerField(source="task_id")
    item = serializers.IntegerField(source="item_id")
    rule_version = serializers.IntegerField(source="rule_version_id")
    risk_codes = serializers.ListField(child=serializers.CharField())
    no_risk = serializers.BooleanField()
    spans = serializers.JSONField()
    note = serializers.CharField()
    too_fast = serializers.BooleanField()
    status = serializers.CharField()
    submitted_at = serializers.DateTimeField()


class SafetyApprovalNextApi(APIView):
    @extend_schema(request=None, responses={200: inline_serializer("SafetyLabelToReview", {
        "label": SafetyLabelSerializer(), "item": ItemSerializer()}), 204: None},
        summary="The next safety label awaiting your approval (204 when none)")
    def post(self, request: Request, task_id: int) -> Response:
        label = services.safety_approval_next(reviewer=request.user, task_id=task_id)
        if label is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        item = task_get_for_actor(actor=request.user, task_id=task_id).items.get(
            pk=label.item_id)
        return Response({"label": SafetyLabelSerializer(label).data,
                         "item": ItemSerializer(item).data})


class CommentInputSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="",
                                    max_length=2000)


def _safety_decision_api(name: str, decide, summary: str) -> type[APIView]:
    """One endpoint per reviewer decision on a safety label: access first, then the comment,
    then the service."""

    class SafetyDecisionApi(APIView):
        @extend_schema(request=CommentInputSerializer, responses=SafetyLabelSerializer,
                       summary=summary, operation_id=f"safety_label_{name}")
        def post(self, request: Request, label_id: int) -> Response:
            selectors.safety_label_get_for_reviewer(actor=request.user, label_id=label_id)
            serializer = CommentInputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            label = decide(reviewer=request.user, label_id=label_id,
                           comment=serializer.validated_data["comment"])
            return Response(SafetyLabelSerializer(label).data)

    SafetyDecisionApi.__name__ = f"SafetyLabel{name.title()}Api"
    return SafetyDecisionApi


SafetyLabelApproveApi = _safety_decision_api(
    "approve", services.safety_label_approve,
    "Approve a safety label; it is approved once enough reviewers do")
SafetyLabelRejectApi = _safety_decision_api(
    "reject", services.safety_label_reject,
    "Reject a safety label with a reason; its item is labelled again")
SafetyLabelEscalateApi = _safety_decision_api(
    "escalate", services.safety_label_escalate_to_manager,
    "Hand a safety label to a manager, saying why")


class SafetyLabelAdjudicateApi(APIView):
    class RulingInputSerializer(serializers.Serializer):
        decision = serializers.ChoiceField(choices=["approve", "reject"])
        comment = serializers.CharField(max_length=2000)

    @extend_schema(request=RulingInputSerializer, responses=SafetyLabelSerializer,
                   summary="A manager's ruling on an escalated safety label")
    def post(self, request: Request, label_id: int) -> Response:
        if not request.user.has_perm(services.approvals.ADJUDICATE):
            raise Http404("No such label among those you review.")
        serializer = self.RulingInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        label = services.safety_label_rule(manager=request.user, label_id=label_id,
                                           **serializer.validated_data)
        return Response(SafetyLabelSerializer(label).data)


class EscalatedListApi(APIView):
    @extend_schema(responses=SafetyLabelSerializer(many=True),
                   summary="Safety labels escalated to managers")
    def get(self, request: Request) -> Response:
        if not request.user.has_perm(services.approvals.ADJUDICATE):
            raise Http404("No such page.")
        return paginated_response(self, request, selectors.escalated_labels(),
                                  SafetyLabelSerializer)


class QualityListApi(APIView):
    @extend_schema(responses=inline_serializer("QualityFigure", {
        "user": serializers.IntegerField(), "username": serializers.CharField(),
        "kind": serializers.CharField(), "task": serializers.IntegerField(allow_null=True),
        "measure": serializers.CharField(), "value": serializers.FloatField(),
        "checks": serializers.IntegerField(),
        "threshold": serializers.FloatField(allow_null=True),
        "threshold_from": serializers.CharField(), "fails": serializers.BooleanField()},
        many=True),
        summary="Each annotator's accuracy (per task) or rejection rate over the policy "
                "window, against its threshold")
    def get(self, request: Request) -> Response:
        selectors.require_quality_reader(request.user)
        rows = []
        for row in selectors.quality_overview():
            figure = row["figure"]
            rows.append({
                "user": row["user"].pk, "username": row["user"].username,
                "kind": figure.kind.value, "task": figure.task.pk if figure.task else None,
                "measure": figure.measure, "value": float(figure.value),
                "checks": figure.checks,
                "threshold": float(figure.threshold) if figure.threshold is not None else None,
                "threshold_from": "policy" if figure.policy and figure.policy.threshold
                is not None else "rules", "fails": figure.fails})
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
        selectors.require_quality_reader(request.user)
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
        selectors.require_quality_reader(request.user)
        user_id = request.query_params.get("user")
        if user_id is not None and not user_id.isdigit():
            raise Http404("No such person.")
        if user_id and not get_user_model().objects.filter(pk=user_id).exists():
            raise Http404("No such person.")
        return paginated_response(
            self, request, selectors.signal_list(user_id=int(user_id) if user_id else None),
            QualitySignalSerializer)


class ExportJobSerializer(BackgroundJobSerializer):
    id = serializers.IntegerField()
    task = serializers.IntegerField(source="task_id")
    format = serializers.CharField()
    rows_total = serializers.IntegerField()
    rows_done = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class ExportListApi(APIView):
    class ExportInputSerializer(serializers.Serializer):
        format = serializers.ChoiceField(choices=ExportJob.Format.choices, default="jsonl")

    @extend_schema(responses=ExportJobSerializer(many=True), summary="A task's exports")
    def get(self, request: Request, task_id: int) -> Response:
        task = task_get_for_actor(actor=request.user, task_id=task_id)
        services.exports.require_export(request.user, task)
        return paginated_response(self, request, selectors.export_list_for_task(task=task),
                                  ExportJobSerializer)

    @extend_schema(request=ExportInputSerializer, responses={202: ExportJobSerializer},
                   summary="Export the labels that passed review; poll the job it returns")
    def post(self, request: Request, task_id: int) -> Response:
        task = task_get_for_actor(actor=request.user, task_id=task_id)
        services.exports.require_export(request.user, task)
        serializer = self.ExportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job = services.export_job_create(actor=request.user, task_id=task.pk,
                                         format=serializer.validated_data["format"])
        job.refresh_from_db()
        return Response(ExportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ExportDetailApi(APIView):
    @extend_schema(responses=ExportJobSerializer, summary="Poll an export")
    def get(self, request: Request, export_id: int) -> Response:
        job = selectors.export_get_for_actor(actor=request.user, job_id=export_id)
        services.exports.require_export(request.user, job.task)
        return Response(ExportJobSerializer(job).data)


def export_file_response(job: ExportJob) -> FileResponse:
    fmt = FORMATS[job.format]
    response = FileResponse(job.output.open("rb"), as_attachment=True,
                            filename=f"task-{job.task_id}-export-{job.pk}.{fmt.extension}",
                            content_type=fmt.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


class ExportDownloadApi(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): bytes},
                   summary="Download a finished export (recorded in the audit trail)")
    def get(self, request: Request, export_id: int):
        selectors.export_get_for_actor(actor=request.user, job_id=export_id)
        job = services.export_job_download(actor=request.user, job_id=export_id)
        return export_file_response(job)


class BatchSampleDrawApi(APIView):
    @extend_schema(request=None, responses={201: SampleSerializer, 200: SampleSerializer},
                   summary="Draw the sample of a batch whose labels are all in (managers); "
                           "drawing again returns the same sample")
    def post(self, request: Request, batch_id: int) -> Response:
        sample, drawn = services.sample_draw_by_hand(actor=request.user, batch_id=batch_id)
        return Response(SampleSerializer(selectors.sample_list_for_task(
            task=sample.batch.task).get(pk=sample.pk), context=_names_for(request)).data,
            status=status.HTTP_201_CREATED if drawn else status.HTTP_200_OK)


class WithdrawalListApi(APIView):
    @extend_schema(responses=DecisionSerializer(many=True),
                   summary="Batches invalidated after they were exported: their labels are to "
                           "be withdrawn from the training data (managers)")
    def get(self, request: Request) -> Response:
        selectors.require_withdrawal_reader(request.user)
        return paginated_response(self, request, selectors.withdrawal_list(),
                                  DecisionSerializer, context_for_page=_risks_of_page)


class WithdrawalLabelSerializer(serializers.Serializer):
    label = serializers.IntegerField(source="pk")
    task = serializers.IntegerField(source="task_id")
    batch_number = serializers.IntegerField(source="item.batch.number")
    item = serializers.IntegerField(source="item_id")
    external_id = serializers.CharField(source="item.external_id")
    source = serializers.CharField(source="item.source")
    annotator = serializers.CharField(source="pseudonym")
    submitted_at = serializers.DateTimeField()


class WithdrawalLabelListApi(APIView):
    @extend_schema(responses=WithdrawalLabelSerializer(many=True),
                   summary="The exported labels of a batch invalidated after export, named as "
                           "in the export, to withdraw from the training data")
    def get(self, request: Request, decision_id: int) -> Response:
        selectors.require_withdrawal_reader(request.user)
        decision = selectors.withdrawal_get(decision_id=decision_id)
        return paginated_response(self, request, selectors.withdrawal_labels(decision=decision),
                                  WithdrawalLabelSerializer)
