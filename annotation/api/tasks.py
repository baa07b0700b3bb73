"""Tasks: list, create, read, change settings, change state, move to another rule version."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import paginated_response

from .. import selectors, services
from ..models import Task
from .common import ManagesTasksToWrite


class TaskSerializer(serializers.Serializer):
    """A task's settings. Bounds and the rule version's floors are checked by the service,
    which answers 400 with the reason per field."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=200)
    kind = serializers.CharField(read_only=True)
    rule_version = serializers.IntegerField(source="rule_version_id")
    state = serializers.CharField(read_only=True)
    labels_per_item = serializers.IntegerField(required=False)
    required_approvals = serializers.IntegerField(required=False)
    expected_seconds_per_item = serializers.IntegerField(required=False)
    minimum_seconds_per_item = serializers.IntegerField(required=False)
    lease_multiple = serializers.IntegerField(required=False)
    batch_size = serializers.IntegerField(required=False)
    deadline_at = serializers.DateTimeField(required=False, allow_null=True)
    working_hours_per_day = serializers.DecimalField(max_digits=4, decimal_places=2,
                                                     required=False)
    daily_exposure_cap_minutes = serializers.IntegerField(required=False)
    break_reminder_minutes = serializers.IntegerField(required=False)
    instructions = serializers.CharField(required=False, allow_blank=True)
    aql = serializers.CharField(required=False, allow_blank=True, max_length=8,
                                help_text="Lower than the rule version's, or blank.")
    inspection_level = serializers.CharField(required=False, allow_blank=True, max_length=4,
                                             help_text="Higher than the rule version's, or "
                                                       "blank.")
    sample_rate = serializers.DecimalField(max_digits=4, decimal_places=3, required=False,
                                           allow_null=True)
    sample_minimum = serializers.IntegerField(required=False, allow_null=True)
    tightened_switching = serializers.BooleanField(required=False)


class TaskUpdateSerializer(TaskSerializer):
    rule_version = None
    name = serializers.CharField(max_length=200, required=False)


class TaskListApi(APIView):
    permission_classes = [ManagesTasksToWrite]

    @extend_schema(responses=TaskSerializer(many=True), summary="Your tasks (all, for managers)")
    def get(self, request: Request) -> Response:
        return paginated_response(self, request, selectors.task_list_for_actor(actor=request.user),
                          TaskSerializer)

    @extend_schema(request=TaskSerializer, responses={201: TaskSerializer},
                   summary="Create a draft task on a published rule version")
    def post(self, request: Request) -> Response:
        serializer = TaskSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        task = services.task_create(actor=request.user, rule_version_id=data.pop("rule_version_id"),
                                    **data)
        return Response(TaskSerializer(task).data, status=status.HTTP_201_CREATED)


class TaskDetailApi(APIView):
    permission_classes = [ManagesTasksToWrite]

    @extend_schema(responses=TaskSerializer, summary="One task")
    def get(self, request: Request, task_id: int) -> Response:
        return Response(TaskSerializer(
            selectors.task_get_for_actor(actor=request.user, task_id=task_id)).data)

    @extend_schema(request=TaskUpdateSerializer, responses=TaskSerializer,
                   summary="Change settings; a deadline must pass the capacity check")
    def patch(self, request: Request, task_id: int) -> Response:
        selectors.task_get_for_actor(actor=request.user, task_id=task_id)
        serializer = TaskUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        task = services.task_update(actor=request.user, task_id=task_id,
                                    changes=dict(serializer.validated_data))
        return Response(TaskSerializer(task).data)


class TaskStateApi(APIView):
    permission_classes = [ManagesTasksToWrite]

    class TaskStateInputSerializer(serializers.Serializer):
        state = serializers.ChoiceField(choices=Task.State.choices)

    @extend_schema(request=TaskStateInputSerializer, responses=TaskSerializer,
                   summary="Activate, pause, resume or close")
    def post(self, request: Request, task_id: int) -> Response:
        selectors.task_get_for_actor(actor=request.user, task_id=task_id)
        serializer = self.TaskStateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = services.task_set_state(actor=request.user, task_id=task_id,
                                       state=serializer.validated_data["state"])
        return Response(TaskSerializer(task).data)


class TaskRuleVersionApi(APIView):
    permission_classes = [ManagesTasksToWrite]

    class MoveInputSerializer(serializers.Serializer):
        rule_version = serializers.IntegerField()

    @extend_schema(request=MoveInputSerializer, responses=TaskSerializer,
                   summary="Move the task to another published version of its kind")
    def post(self, request: Request, task_id: int) -> Response:
        selectors.task_get_for_actor(actor=request.user, task_id=task_id)
        serializer = self.MoveInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = services.task_move_rule_version(
            actor=request.user, task_id=task_id,
            rule_version_id=serializer.validated_data["rule_version"])
        return Response(TaskSerializer(task).data)
