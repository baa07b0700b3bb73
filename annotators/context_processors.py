from django.http import HttpRequest

from .models import Role
from .selectors import user_roles


def roles(request: HttpRequest) -> dict:
    """Expose the user's roles to templates, for the navigation."""
    user = getattr(request, "user", None)
    held = user_roles(user=user) if user is not None else frozenset()
    return {
        "is_manager": Role.MANAGER in held,
        "is_reviewer": Role.REVIEWER in held,
        "is_compliance_officer": Role.COMPLIANCE_OFFICER in held,
    }
