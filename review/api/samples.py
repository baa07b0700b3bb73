"""Samples: a task's samples with their plans and seeds, one drawn again to show it
reproduces, and a manager's draw of a complete batch."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.selectors import can_manage_tasks
from config.api import paginated_response

from .. import selectors, services


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
        return selectors.strata_pseudonymous(sample=sample)


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
        redrawn = selectors.sample_redraw(sample=sample)
        return Response({"sample": SampleSerializer(sample, context=_names_for(request)).data,
                         "redrawn_item_ids": redrawn,
                         "redraw_matches": redrawn == sample.item_ids})


class BatchSampleDrawApi(APIView):
    @extend_schema(request=None, responses={201: SampleSerializer, 200: SampleSerializer},
                   summary="Draw the sample of a batch whose labels are all in (managers); "
                           "drawing again returns the same sample")
    def post(self, request: Request, batch_id: int) -> Response:
        sample, drawn = services.sample_draw_by_hand(actor=request.user, batch_id=batch_id)
        return Response(SampleSerializer(selectors.sample_with_progress(sample=sample),
                                         context=_names_for(request)).data,
                        status=status.HTTP_201_CREATED if drawn else status.HTTP_200_OK)
