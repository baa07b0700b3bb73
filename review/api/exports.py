"""Exports: start one of a task's labels that passed review, poll it, and download its file
(audited)."""

from django.http import FileResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import paginated_response
from jobs.api import BackgroundJobSerializer

from .. import selectors, services
from ..export_formats import FORMATS
from ..models import ExportJob


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
        task = selectors.task_get_for_exporter(actor=request.user, task_id=task_id)
        return paginated_response(self, request, selectors.export_list_for_task(task=task),
                                  ExportJobSerializer)

    @extend_schema(request=ExportInputSerializer, responses={202: ExportJobSerializer},
                   summary="Export the labels that passed review; poll the job it returns")
    def post(self, request: Request, task_id: int) -> Response:
        task = selectors.task_get_for_exporter(actor=request.user, task_id=task_id)
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
        selectors.require_export(actor=request.user, task=job.task)
        return Response(ExportJobSerializer(job).data)


def export_file_response(*, job: ExportJob) -> FileResponse:
    """The finished export's file as a download that no browser renders."""
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
        return export_file_response(job=job)
