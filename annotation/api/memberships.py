"""Memberships: who works, or worked, on a task, in which one function."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import paginated_response

from .. import selectors, services
from ..models import Membership
from ..pseudonyms import task_pseudonym
from .common import ManagesTasksToWrite


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
