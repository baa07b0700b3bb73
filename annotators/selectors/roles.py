"""Who someone is in the workforce: their roles and whether they manage it."""

from django.contrib.auth.base_user import AbstractBaseUser

from ..models import GROUP_FOR_ROLE, Role

ROLE_FOR_GROUP = {group: role for role, group in GROUP_FOR_ROLE.items()}
MANAGE_WORKFORCE = "annotators.manage_workforce"


def user_roles(*, user: AbstractBaseUser) -> frozenset[Role]:
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


def user_is_manager(*, user: AbstractBaseUser) -> bool:
    return Role.MANAGER in user_roles(user=user)


def can_manage_workforce(*, user: AbstractBaseUser) -> bool:
    """Whether ``user`` may train, examine and credential people."""
    return user.is_authenticated and user.has_perm(MANAGE_WORKFORCE)
