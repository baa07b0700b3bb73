"""What the workforce API's modules share: who may write, and bounded integers."""

from django.db import models
from rest_framework import serializers
from rest_framework.permissions import BasePermission

from config.api import permission_to_write

from ..services.common import MANAGE_WORKFORCE

ManagesWorkforceToWrite = permission_to_write(
    MANAGE_WORKFORCE, "Only managers may train, examine and credential people.")


class ManagesWorkforce(BasePermission):
    message = "Only managers may see this."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated
                    and request.user.has_perm(MANAGE_WORKFORCE))


def bounded_integer(model: type[models.Model], name: str, **kwargs) -> serializers.IntegerField:
    """An integer checked by the model field's own validators, so that the API refuses what
    the pages refuse, with the same messages."""
    return serializers.IntegerField(validators=model._meta.get_field(name).validators, **kwargs)
