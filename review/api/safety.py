"""Safety approvals: a reviewer takes the next label awaiting approval and approves, rejects
or escalates it; a manager rules on the escalated ones."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.api import ItemSerializer
from config.api import paginated_response

from .. import selectors, services


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
        item = selectors.safety_label_items(labels=[label])[label.item_id]
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
        if not selectors.can_adjudicate(actor=request.user):
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
        if not selectors.can_adjudicate(actor=request.user):
            raise Http404("No such page.")
        return paginated_response(self, request, selectors.escalated_labels(),
                                  SafetyLabelSerializer)
