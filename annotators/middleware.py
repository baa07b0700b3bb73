"""Hold a signed-in person who must give a second factor at the door until they give it."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from .selectors import two_factor_enrolled, two_factor_required


def two_factor_exempt(view: Callable) -> Callable:
    """Mark a view that a person who has not given their second factor may still reach: the
    steps of giving or setting it up, and signing out."""
    view.two_factor_exempt = True
    return view


def _exempt(view_func: Callable) -> bool:
    if getattr(view_func, "two_factor_exempt", False):
        return True
    view_class = getattr(view_func, "cls", None) or getattr(view_func, "view_class", None)
    if getattr(view_class, "two_factor_exempt", False):
        return True
    # Public pages (sign-in, health): Django's, not an API view that authenticates itself.
    return view_class is None and getattr(view_func, "login_required", True) is False


class TwoFactorMiddleware:
    """Refuse every page and API call made with the session of a person who must sign in
    with two factors (``selectors.two_factor_required``) but has not given the second yet:
    pages redirect to the step that gives it (or sets it up), the API answers 403.

    Requests with an API token pass: the token endpoint asks for the second factor before it
    issues one. Placed after ``OTPMiddleware``, which tells whether the session has it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or _exempt(view_func):
            return None
        if not two_factor_required(user=user) or user.is_verified():
            return None
        enrolled = two_factor_enrolled(user=user)
        step = reverse("account:two-factor-verify" if enrolled else "account:two-factor-enrol")
        wants_page = "text/html" in request.headers.get("Accept", "")
        if request.path.startswith("/api/") and not wants_page:
            return JsonResponse({
                "code": "two_factor_required",
                "message": "This account signs in with two factors, and this session has not "
                           f"given the second yet. Open {step} to "
                           + ("give it" if enrolled else "set it up") + ", or use an API "
                           "token obtained with your code.",
                "detail": {"url": step}}, status=403)
        return redirect(f"{step}?{urlencode({'next': request.get_full_path()})}")
