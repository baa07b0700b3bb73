"""The workforce API for training: courses and their modules, reading them, and the records
of who read what."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import paginated_response

from .. import selectors, services
from ..models import Topic
from .common import ManagesWorkforce, ManagesWorkforceToWrite


class ModuleSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    position = serializers.IntegerField(read_only=True)
    title = serializers.CharField(max_length=200)
    topic = serializers.ChoiceField(choices=Topic.choices)
    body = serializers.CharField()
    rule_version = serializers.IntegerField(source="rule_version_id", required=False,
                                            allow_null=True)


class CourseSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(read_only=True)
    modules = ModuleSerializer(many=True, read_only=True, source="modules.all")


class CourseListApi(APIView):
    permission_classes = [ManagesWorkforceToWrite]

    @extend_schema(responses=CourseSerializer(many=True), summary="Training courses")
    def get(self, request: Request) -> Response:
        return paginated_response(self, request, selectors.course_list(), CourseSerializer)

    @extend_schema(request=CourseSerializer, responses={201: CourseSerializer},
                   summary="Create a course (then add modules)")
    def post(self, request: Request) -> Response:
        serializer = CourseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        course = services.course_create(actor=request.user, **serializer.validated_data)
        return Response(CourseSerializer(course).data, status=status.HTTP_201_CREATED)


class CourseDetailApi(APIView):
    @extend_schema(responses=CourseSerializer, summary="A course with its modules")
    def get(self, request: Request, course_id: int) -> Response:
        return Response(CourseSerializer(selectors.course_get(course_id=course_id)).data)


class CourseModuleAddApi(APIView):
    permission_classes = [ManagesWorkforce]

    @extend_schema(request=ModuleSerializer, responses={201: ModuleSerializer},
                   summary="Append a module to a course")
    def post(self, request: Request, course_id: int) -> Response:
        selectors.course_get(course_id=course_id)
        serializer = ModuleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        module = services.module_add(actor=request.user, course_id=course_id,
                                     rule_version_id=data.pop("rule_version_id", None), **data)
        return Response(ModuleSerializer(module).data, status=status.HTTP_201_CREATED)


class TrainingRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.CharField(source="user.username")
    course = serializers.IntegerField(source="course_id")
    course_version = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)
    seconds_spent = serializers.IntegerField()


class CourseStartApi(APIView):
    @extend_schema(request=None, responses=TrainingRecordSerializer,
                   summary="Start (or resume) reading a course")
    def post(self, request: Request, course_id: int) -> Response:
        selectors.course_get(course_id=course_id)
        record = services.training_start(user=request.user, course_id=course_id)
        return Response(TrainingRecordSerializer(record).data)


class ModuleProgressSerializer(serializers.Serializer):
    module = serializers.IntegerField(source="module_id")
    opened_at = serializers.DateTimeField()
    confirmed_at = serializers.DateTimeField(allow_null=True)
    seconds_spent = serializers.IntegerField()


class ModuleOpenApi(APIView):
    @extend_schema(request=None, responses=ModuleProgressSerializer,
                   summary="Open a module: its reading time starts on the server")
    def post(self, request: Request, module_id: int) -> Response:
        selectors.module_get(module_id=module_id)
        progress = services.training_open_module(user=request.user, module_id=module_id)
        return Response(ModuleProgressSerializer(progress).data)


class ModuleConfirmApi(APIView):
    @extend_schema(request=None, responses=ModuleProgressSerializer,
                   summary="Confirm a module as read")
    def post(self, request: Request, module_id: int) -> Response:
        selectors.module_get(module_id=module_id)
        progress = services.training_confirm_module(user=request.user, module_id=module_id)
        return Response(ModuleProgressSerializer(progress).data)


class TrainingRecordListApi(APIView):
    @extend_schema(responses=TrainingRecordSerializer(many=True),
                   summary="Training records: your own, or everyone's for managers")
    def get(self, request: Request) -> Response:
        records = selectors.training_record_list_for_actor(actor=request.user)
        return paginated_response(self, request, records, TrainingRecordSerializer)
