"""Creating workers and managers.

Nobody is made staff or superuser here: those, and the groups and permissions of the admin,
are a superuser's, on the command line (``manage.py createsuperuser``) or in the admin.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Group
from django.db import transaction

from audit.services import record_event
from config.errors import Conflict, NotAllowed

from ..models import GROUP_FOR_ROLE, Role
from .common import MANAGE_WORKFORCE


class UsernameTaken(Conflict):
    code = "username_taken"


class RoleGrantRefused(NotAllowed):
    code = "role_grant_refused"


# Roles a manager may give a new person: the workers'. Managing and auditing roles are given
# by the system (the command line, demo data) or a superuser, never by a manager to anyone.
ROLES_MANAGERS_MAY_GRANT = frozenset({Role.ANNOTATOR, Role.REVIEWER})


@transaction.atomic(durable=True)
def person_create(*, actor: AbstractBaseUser | None, username: str, password: str,
                  role: Role, full_name: str = "", email: str = "") -> AbstractBaseUser:
    """Create a login for a person in one role. ``actor`` None is the system (the command
    line, demo data).

    :raises RoleGrantRefused: if the actor is neither the system, a superuser, nor a manager
        creating a worker (annotator or reviewer).
    :raises UsernameTaken: if the username is in use.
    :raises django.core.exceptions.ValidationError: if the username or email is malformed.
    """
    manager_may = role in ROLES_MANAGERS_MAY_GRANT and actor is not None \
        and actor.has_perm(MANAGE_WORKFORCE)
    if actor is not None and not actor.is_superuser and not manager_may:
        raise RoleGrantRefused(
                f"You may not create a person with the role {role.label.lower()}: managers "
                "create annotators and reviewers only. Ask a superuser to create managers and "
                "compliance officers.")
    user_model = get_user_model()
    if user_model.objects.filter(username=username).exists():
        raise UsernameTaken(f"The username {username!r} is already in use; choose another.")
    first_name, _, last_name = full_name.partition(" ")
    user = user_model(username=username, email=email, first_name=first_name, last_name=last_name)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.add(Group.objects.get(name=GROUP_FOR_ROLE[role]))
    record_event(actor=actor, action="person.created", target=user,
                 data={"username": username, "role": role.value})
    return user
