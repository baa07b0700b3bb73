"""Imports: upload items into a task and follow the job."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobs.api import BackgroundJobSerializer

from .. import selectors, services
from ..services.imports import UploadMissing
from .common import ManagesTasksToWrite


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
            raise UploadMissing("Attach the items as the form field \"file\".")
        job = services.import_job_create(actor=request.user, task_id=task_id, upload=upload,
                                         fmt=request.data.get("format", ""))
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ImportJobApi(APIView):
    @extend_schema(responses=ImportJobSerializer, summary="An import's progress and bad rows")
    def get(self, request: Request, job_id: int) -> Response:
        job = selectors.import_job_get_for_actor(actor=request.user, job_id=job_id)
        return Response(ImportJobSerializer(job).data)
