"""The API's own sign-in: obtain, list and revoke API tokens.

A token is obtained with a username and password, plus the code of an authenticator app
(``otp``) for those who sign in with two factors. Its secret is in that one response and
nowhere else; listings name tokens by id.
"""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import paginated_response
from config.errors import ApplicationError, Invalid

from . import selectors, services
from .api import ManagesWorkforce
from .lockout import lockout_message


class SignInRefused(Invalid):
    code = "sign_in_refused"


class SignInLocked(ApplicationError):
    """Not one of the four families: 429 tells a client to wait, not to change the request."""

    code = "locked_out"
    http_status = 429


class TokenSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    created = serializers.DateTimeField()
    expiry = serializers.DateTimeField()
    user = serializers.CharField(source="user.username")


class TokenObtainApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    two_factor_exempt = True

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField()
        password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
        otp = serializers.CharField(required=False, allow_blank=True, default="",
                                    help_text="The code of your authenticator app (or a "
                                              "recovery code): required for managers, "
                                              "compliance officers and staff.")
        name = serializers.CharField(required=False, allow_blank=True, default="",
                                     max_length=100, help_text="What the token is for.")

    class OutputSerializer(TokenSerializer):
        token = serializers.CharField(
            source="secret", help_text="The secret: shown this once, never again. Send it as "
                                       "`Authorization: Token <token>`.")

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer}, auth=[],
                   summary="Obtain an API token (with an authenticator code where required)")
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = authenticate(request._request, username=data["username"],
                            password=data["password"])
        if user is None:
            if getattr(request._request, "axes_locked_out", False):
                code, message, _ = lockout_message(
                    username=data["username"],
                    ip_address=getattr(request._request, "axes_ip_address", None))
                raise SignInLocked(message, detail={"reason": code})
            raise SignInRefused("The username or password is not right; check both and try "
                                "again. Repeated failures lock the account for a while.",
                                detail={"non_field_errors": ["Unable to sign in."]})
        two_factor = selectors.two_factor_required(user=user)
        if two_factor:
            services.two_factor_verify(user=user, code=data["otp"])
        token, secret = services.api_token_issue(user=user, name=data["name"],
                                                 two_factor=two_factor)
        token.secret = secret
        return Response(self.OutputSerializer(token).data)


class TokenListApi(APIView):
    @extend_schema(responses=TokenSerializer(many=True), summary="My live API tokens")
    def get(self, request: Request) -> Response:
        tokens = selectors.api_token_list_for_actor(actor=request.user, user_id=request.user.pk)
        return paginated_response(self, request, tokens, TokenSerializer)


class TokenRevokeApi(APIView):
    @extend_schema(request=None, responses={204: None},
                   summary="Revoke an API token (mine, or anyone's for managers)")
    def post(self, request: Request, token_id: int) -> Response:
        services.api_token_revoke(actor=request.user, token_id=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RevokedSerializer(serializers.Serializer):
    revoked = serializers.IntegerField(help_text="How many live tokens were revoked.")


class TokenRevokeAllApi(APIView):
    @extend_schema(request=None, responses=RevokedSerializer,
                   summary="Revoke all my API tokens")
    def post(self, request: Request) -> Response:
        count = services.api_token_revoke_all(actor=request.user, user_id=request.user.pk)
        return Response(RevokedSerializer({"revoked": count}).data)


class PersonTokenListApi(APIView):
    permission_classes = [ManagesWorkforce]

    @extend_schema(responses=TokenSerializer(many=True),
                   summary="A person's live API tokens (managers)")
    def get(self, request: Request, user_id: int) -> Response:
        person = selectors.person_get(person_id=user_id)
        tokens = selectors.api_token_list_for_actor(actor=request.user, user_id=person.pk)
        return paginated_response(self, request, tokens, TokenSerializer)


class PersonTokenRevokeAllApi(APIView):
    permission_classes = [ManagesWorkforce]

    @extend_schema(request=None, responses=RevokedSerializer,
                   summary="Revoke all of a person's API tokens (managers)")
    def post(self, request: Request, user_id: int) -> Response:
        count = services.api_token_revoke_all(actor=request.user, user_id=user_id)
        return Response(RevokedSerializer({"revoked": count}).data)
