from django.contrib import admin

from config.admin import ReadOnlyAdmin

from .models import RiskCategory, RiskGroup, RiskRule, RuleAcknowledgement, RuleSet, RuleVersion


@admin.register(RiskGroup)
class RiskGroupAdmin(ReadOnlyAdmin):
    list_display = ("code", "title_en", "title_zh")
    ordering = ("position",)


@admin.register(RiskCategory)
class RiskCategoryAdmin(ReadOnlyAdmin):
    list_display = ("code", "name_en", "name_zh", "group")
    list_filter = ("group",)
    ordering = ("position",)


class RiskRuleInline(admin.TabularInline):
    model = RiskRule
    fields = ("category", "definition", "decision_criteria", "review_criteria")
    readonly_fields = fields
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RuleSet)
class RuleSetAdmin(ReadOnlyAdmin):
    """Read-only: rules are written through the rules pages and API, which audit every change."""

    list_display = ("name", "kind", "domain", "owner", "created_at")
    list_filter = ("kind",)
    search_fields = ("name", "domain")


@admin.register(RuleVersion)
class RuleVersionAdmin(ReadOnlyAdmin):
    list_display = ("rule_set", "number", "status", "published_at")
    list_filter = ("status", "rule_set__kind")
    inlines = [RiskRuleInline]


@admin.register(RuleAcknowledgement)
class RuleAcknowledgementAdmin(ReadOnlyAdmin):
    list_display = ("version", "user", "acknowledged_at")
