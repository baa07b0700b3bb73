"""Batch decisions with their numbers and evidence, and batches invalidated after an export
carried them out, whose labels are to be withdrawn from the training data."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import paginated_response

from .. import selectors


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


class WithdrawalListApi(APIView):
    @extend_schema(responses=DecisionSerializer(many=True),
                   summary="Batches invalidated after they were exported: their labels are to "
                           "be withdrawn from the training data (managers)")
    def get(self, request: Request) -> Response:
        selectors.require_withdrawal_reader(actor=request.user)
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
        selectors.require_withdrawal_reader(actor=request.user)
        decision = selectors.withdrawal_get(decision_id=decision_id)
        return paginated_response(self, request, selectors.withdrawal_labels(decision=decision),
                                  WithdrawalLabelSerializer)
