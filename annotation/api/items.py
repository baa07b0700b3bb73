"""A task's batches and items, and an item's media file."""

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import paginated_response
from config.media import media_response

from .. import selectors


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
        return reverse("api:annotation:item-media", args=[item.pk]) if item.file else None


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


class ItemMediaApi(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): bytes},
                   summary="An item's media file (members only)")
    def get(self, request: Request, item_id: int) -> FileResponse:
        item = selectors.item_with_file_get_for_actor(actor=request.user, item_id=item_id)
        return media_response(file=item.file, content_type=item.content_type)
