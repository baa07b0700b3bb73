from django.contrib import admin

from .models import RiskCategory, RiskGroup


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RiskGroup)
class RiskGroupAdmin(ReadOnlyAdmin):
    list_display = ("code", "title_en", "title_zh")
    ordering = ("position",)


@admin.register(RiskCategory)
class RiskCategoryAdmin(ReadOnlyAdmin):
    list_display = ("code", "name_en", "name_zh", "group")
    list_filter = ("group",)
    ordering = ("position",)
