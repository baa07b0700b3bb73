"""The admin's accounts: only a superuser changes people, groups and permissions there.

Who is staff or superuser, who belongs to which group and who holds which permission decide
what everyone else may do, so a manager (even one made staff, even one holding
``auth.change_user``) may at most look; superusers are made on the command line
(``manage.py createsuperuser``). Roles of workers are given by ``person_create``.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group


class SuperuserOnlyChanges:
    """Add, change and delete for superusers only; viewing as the view permission allows."""

    def has_add_permission(self, request, *args) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser


class PersonAdmin(SuperuserOnlyChanges, UserAdmin):
    pass


class RoleGroupAdmin(SuperuserOnlyChanges, GroupAdmin):
    pass


for model, model_admin in ((get_user_model(), PersonAdmin), (Group, RoleGroupAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
