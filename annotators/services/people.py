"""Creating workers and managers."""

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Group
from django.db import transaction

from audit.services import record_event
from config.errors import ApplicationError

from ..models import GROUP_FOR_ROLE, Role


class UsernameTaken(ApplicationError):
    code = "username_taken"
    http_status = 409


@transaction.atomic(durable=True)
def person_create(*, actor: AbstractBaseUser | None, username: str, password: str,
                  role: Role, full_name: str = "", email: str = "") -> AbstractBaseUser:
    """Create a login for a person in one role.

    :raises UsernameTaken: if the username is in use.
    """
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
