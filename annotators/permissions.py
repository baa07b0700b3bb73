"""Role checks for views and the API."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from .selectors import user_is_manager


class IsManager(BasePermission):
    message = "Only managers may do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user_is_manager(user=user))


def manager_required(view):
    """Refuse the view with 403 to anyone who is not a manager (login is checked before)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not user_is_manager(user=request.user):
            raise PermissionDenied("Only managers may open this page.")
        return view(request, *args, **kwargs)

    return wrapper
