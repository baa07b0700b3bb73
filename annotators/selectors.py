"""Who a user is: their roles and where their work starts."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.urls import reverse

from .models import GROUP_FOR_ROLE, Role

ROLE_FOR_GROUP = {group: role for role, group in GROUP_FOR_ROLE.items()}
HOME_VIEW_FOR_ROLE = {
    Role.MANAGER: "compliance:home",
    Role.REVIEWER: "review:home",
    Role.ANNOTATOR: "annotation:home",
}


def user_roles(user: AbstractBaseUser) -> frozenset[Role]:
    """Return the user's roles, read once per user object. A superuser is a manager."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_roles_cache", None)
    if cached is None:
        names = user.groups.filter(name__in=ROLE_FOR_GROUP).values_list("name", flat=True)
        cached = frozenset(ROLE_FOR_GROUP[name] for name in names)
        if user.is_superuser:
            cached |= {Role.MANAGER}
        user._roles_cache = cached
    return cached


def user_is_manager(user: AbstractBaseUser) -> bool:
    return Role.MANAGER in user_roles(user)


def home_url_for(user: AbstractBaseUser) -> str:
    """Return the home page of the user's highest role; annotators' work is the default."""
    roles = user_roles(user)
    for role in (Role.MANAGER, Role.REVIEWER, Role.ANNOTATOR):
        if role in roles:
            return reverse(HOME_VIEW_FOR_ROLE[role])
    return reverse(HOME_VIEW_FOR_ROLE[Role.ANNOTATOR])
