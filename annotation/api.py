"""The annotation API: tasks, memberships, imports, batches, items, and the labelling loop.

Everything is scoped to the actor's tasks: a task, item, lease or label outside them is 404.
"""

from django.http import FileResponse, Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import paginated_response, permission_to_write
from jobs.api import BackgroundJobSerializer
from safety_labels.selectors import safety_label_list_for_tasks

from . import selectors, services
from .models import Membership, Task
from .permissions import MANAGE_TASKS
from .pseudonyms import task_pseudonym
from .services.common import TaskInvalid

ManagesTasksToWrite = permission_to_write(MANAGE_TASKS, "Only managers may create and run tasks.")


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


class MembershipSerializer(serializers.Serializer):
    """Managers see who each member is; anyone else sees workers by their pseudonym in the
    task, and only themselves by name."""

    id = serializers.IntegerField()
    user = serializers.SerializerMethodField(
        help_text="The username for managers and for yourself; otherwise the person's "
                  "pseudonym in this task.")
    user_id = serializers.SerializerMethodField(help_text="Null unless you manage tasks or "
                                                          "this is you.")
    you = serializers.SerializerMethodField()
    function = serializers.CharField()
    added_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True,
                                         help_text="When the person left the task; they may "
                                                   "come back only in the same function.")

    def _named(self, membership) -> bool:
        return self.context.get("names") or membership.user_id == self.context.get("viewer")

    def get_user(self, membership) -> str:
        if self._named(membership):
            return membership.user.username
        return task_pseudonym(task_id=membership.task_id, user_id=membership.user_id)

    def get_user_id(self, membership) -> int | None:
        return membership.user_id if self._named(membership) else None

    def get_you(self, membership) -> bool:
        return membership.user_id == self.context.get("viewer")


def _membership_context(request: Request) -> dict:
    return {"names": selectors.can_manage_tasks(request.user), "viewer": request.user.pk}


class MembershipListApi(APIView):
    permission_classes = [ManagesTasksToWrite]

    class MembershipInputSerializer(serializers.Serializer):
        user = serializers.IntegerField()
        function = serializers.ChoiceField(choices=Membership.Function.choices)

    @extend_schema(responses=MembershipSerializer(many=True),
                   summary="Who works, or worked, on the task")
    def get(self, request: Request, task_id: int) -> Response:
        task = selectors.task_get_for_actor(actor=request.user, task_id=task_id)
        return paginated_response(self, request, selectors.membership_list(task=task),
                                  MembershipSerializer,
                                  context_for_page=lambda page: _membership_context(request))

    @extend_schema(request=MembershipInputSerializer, responses={201: MembershipSerializer},
                   summary="Give a person one function (annotate or review) in the task, for "
                           "good: someone who left comes back only in the same function")
    def post(self, request: Request, task_id: int) -> Response:
        selectors.task_get_for_actor(actor=request.user, task_id=task_id)
        serializer = self.MembershipInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_add(actor=request.user, task_id=task_id,
                                             user_id=serializer.validated_data["user"],
                                             function=serializer.validated_data["function"])
        return Response(MembershipSerializer(membership,
                                             context=_membership_context(request)).data,
                        status=status.HTTP_201_CREATED)


class MembershipDetailApi(APIView):
    permission_classes = [ManagesTasksToWrite]

    @extend_schema(responses={204: None},
                   summary="Take a person off the task (the membership ends and is kept)")
    def delete(self, request: Request, membership_id: int) -> Response:
        services.membership_remove(actor=request.user, membership_id=membership_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ImportJobSerializer(BackgroundJobSerializer):
    id = serializers.IntegerField()
    task = serializers.IntegerField(source="task_id")
    file_name = serializers.CharField()
    format = serializers.CharField()
    rows_total = serializers.IntegerField()
    rows_done = serializers.IntegerField()
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    errors = serializers.JSONField()
    created_at = serializers.DateTimeField()


class TaskImportApi(APIView):
    permission_classes = [ManagesTasksToWrite]
    parser_classes = [MultiPartParser]

    @extend_schema(request=inline_serializer("ItemImport", {
        "file": serializers.FileField(), "format": serializers.CharField(required=False)}),
        responses={202: ImportJobSerializer},
        summary="Upload items (JSONL, CSV, text, Label Studio JSON, zip); poll the job")
    def post(self, request: Request, task_id: int) -> Response:
        selectors.task_get_for_actor(actor=request.user, task_id=task_id)
        upload = request.FILES.get("file")
        if upload is None:
            raise TaskInvalid("Attach the items as the form field \"file\".")
        job = services.import_job_create(actor=request.user, task_id=task_id, upload=upload,
                                         fmt=request.data.get("format", ""))
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ImportJobApi(APIView):
    @extend_schema(responses=ImportJobSerializer, summary="An import's progress and bad rows")
    def get(self, request: Request, job_id: int) -> Response:
        job = selectors.import_job_get_for_actor(actor=request.user, job_id=job_id)
        return Response(ImportJobSerializer(job).data)


class BatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    state = serializers.CharField()
    created_at = serializers.DateTimeField()


class BatchListApi(APIView):
    @extend_schema(responses=BatchSerializer(many=True), summary="The task's batches")
    def get(self, request: Request, task_id: int) -> Response:
        task = selectors.task_get_for_actor(actor=request.user, task_id=task_id)
        return paginated_response(self, request, selectors.batch_list_for_task(task=task),
                          BatchSerializer)


class ItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    task = serializers.IntegerField(source="task_id")
    batch = serializers.IntegerField(source="batch_id")
    modality = serializers.CharField()
    text = serializers.CharField()
    media_url = serializers.SerializerMethodField()
    source = serializers.CharField()
    external_id = serializers.CharField()
    labels_done = serializers.IntegerField()

    def get_media_url(self, item) -> str | None:
        return f"/api/v1/items/{item.pk}/media/" if item.file else None


class ItemListApi(APIView):
    @extend_schema(responses=ItemSerializer(many=True), summary="The task's items")
    def get(self, request: Request, task_id: int) -> Response:
        task = selectors.task_get_for_actor(actor=request.user, task_id=task_id)
        return paginated_response(self, request, selectors.item_list_for_task(task=task),
                          ItemSerializer)


class ItemDetailApi(APIView):
    @extend_schema(responses=ItemSerializer, summary="One item")
    def get(self, request: Request, item_id: int) -> Response:
        return Response(ItemSerializer(
            selectors.item_get_for_actor(actor=request.user, item_id=item_id)).data)


def serve_item_media(item) -> FileResponse:
    """An item's file, for members only, as an attachment-safe, sandboxed response."""
    if not item.file:
        raise Http404("This item has no file.")
    response = FileResponse(item.file.open("rb"),
                            content_type=item.content_type or "application/octet-stream")
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


class ItemMediaApi(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): bytes},
                   summary="An item's media file (members only)")
    def get(self, request: Request, item_id: int):
        return serve_item_media(selectors.item_get_for_actor(actor=request.user,
                                                             item_id=item_id))


class LeaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    task = serializers.IntegerField(source="task_id")
    started_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    item = ItemSerializer()


class NextItemApi(APIView):
    @extend_schema(request=None, responses={200: LeaseSerializer, 204: None},
                   summary="Lease the next item to label (204 when none is left for you)")
    def post(self, request: Request, task_id: int) -> Response:
        # The service answers 404 to anyone who does not annotate the task; no second lookup.
        lease = services.lease_next(user=request.user, task_id=task_id)
        if lease is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(LeaseSerializer(lease).data)


class LeaseSubmitApi(APIView):
    class SubmitInputSerializer(serializers.Serializer):
        client_id = serializers.UUIDField()
        label = serializers.JSONField(help_text="Functional: {\"payload\": {…}}. Safety: "
                                                "{\"risk_codes\": […] or \"no_risk\": true, "
                                                "\"spans\": […], \"note\": \"…\"}.")
        next = serializers.BooleanField(default=False)

    @extend_schema(request=SubmitInputSerializer, responses={201: inline_serializer(
        "Submitted", {"label_id": serializers.IntegerField(), "created": serializers.BooleanField(),
                      "too_fast": serializers.BooleanField(),
                      "next": LeaseSerializer(allow_null=True)})},
        summary="Submit a label for a live lease; the same client_id again returns it")
    def post(self, request: Request, lease_id: int) -> Response:
        # The service answers 404 for a lease that is not the actor's.
        serializer = self.SubmitInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = services.lease_submit(user=request.user, lease_id=lease_id,
                                       client_id=data["client_id"], label=data["label"],
                                       then_next=data["next"])
        return Response({"label_id": result.label_id, "created": result.created,
                         "too_fast": result.too_fast,
                         "next": LeaseSerializer(result.next_lease).data
                         if result.next_lease else None},
                        status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


class LeaseSkipApi(APIView):
    class SkipInputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500)

    @extend_schema(request=SkipInputSerializer, responses={200: None},
                   summary="Give the item back with a reason")
    def post(self, request: Request, lease_id: int) -> Response:
        selectors.lease_get_for_actor(actor=request.user, lease_id=lease_id)
        serializer = self.SkipInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lease = services.lease_skip(user=request.user, lease_id=lease_id,
                                    reason=serializer.validated_data["reason"])
        return Response({"lease": lease.pk, "state": lease.state})


class MyLabelsApi(APIView):
    @extend_schema(responses=inline_serializer("MyLabel", {
        "id": serializers.IntegerField(), "kind": serializers.CharField(),
        "task": serializers.IntegerField(), "item": serializers.IntegerField(),
        "submitted_at": serializers.DateTimeField(), "status": serializers.CharField()},
        many=True), summary="Labels you submitted, newest first")
    def get(self, request: Request) -> Response:
        functional = [
            {"id": label.pk, "kind": "functional", "task": label.task_id, "item": label.item_id,
             "submitted_at": label.submitted_at, "status": "submitted",
             "too_fast": label.too_fast}
            for label in selectors.functional_labels_of(actor=request.user)[:200]]
        task_ids = list(selectors.task_list_for_actor(actor=request.user)
                        .filter(kind="safety").values_list("pk", flat=True))
        safety = [
            {"id": label.pk, "kind": "safety", "task": label.task_id, "item": label.item_id,
             "submitted_at": label.submitted_at, "status": label.status,
             "too_fast": label.too_fast}
            for label in safety_label_list_for_tasks(task_ids=task_ids,
                                                     annotator_id=request.user.pk)[:200]]
        rows = sorted(functional + safety, key=lambda row: row["submitted_at"], reverse=True)
        return Response({"count": len(rows), "results": rows})

