from django.contrib import admin

from config.admin import ReadOnlyAdmin

from .models import Batch, FunctionalLabel, ImportJob, Item, Lease, Membership, Task


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "state", "rule_version", "labels_per_item", "deadline_at")
    list_filter = ("kind", "state")


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    """Read-only: memberships are given through the task pages and API, which check the
    credential and the one-function rule."""

    list_display = ("task", "user", "function", "added_at")
    list_filter = ("function",)


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = ("task", "number", "state")


@admin.register(Item)
class ItemAdmin(ReadOnlyAdmin):
    list_display = ("id", "task", "batch", "modality", "labels_done", "open_slots")


@admin.register(Lease)
class LeaseAdmin(ReadOnlyAdmin):
    list_display = ("id", "task", "item", "user", "state", "started_at", "expires_at")
    list_filter = ("state",)


@admin.register(FunctionalLabel)
class FunctionalLabelAdmin(ReadOnlyAdmin):
    list_display = ("id", "task", "item", "annotator", "submitted_at", "too_fast")


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ("id", "task", "file_name", "status", "created", "duplicates")
