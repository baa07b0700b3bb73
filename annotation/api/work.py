"""The labelling loop: lease the next item, submit a label or skip, and one's own labels."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors, services
from .items import ItemSerializer


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
        rows = selectors.label_list_for_annotator(actor=request.user)
        return Response({"count": len(rows), "results": rows})
