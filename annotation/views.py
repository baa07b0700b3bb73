"""Annotators' pages: their tasks, and the keyboard-first labelling page."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from config.errors import ApplicationError
from rules.selectors import has_acknowledged, risk_group_list_with_categories

from . import selectors, services
from .api import serve_item_media
from .forms import ImportForm, MembershipForm, TaskCreateForm, TaskSettingsForm
from .models import Membership, Task
from .services.common import MANAGE_TASKS
from .services.work import exposure_minutes_today


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    tasks = selectors.task_list_for_actor(actor=request.user).filter(
        memberships__user=request.user,
        memberships__function=Membership.Function.ANNOTATE).distinct()
    return render(request, "annotation/home.html", {
        "tasks": [(task, selectors.labels_today(actor=request.user, task=task))
                  for task in tasks]})


@require_GET
def label(request: HttpRequest, task_id: int) -> HttpResponse:
    task = selectors.task_get_for_actor(actor=request.user, task_id=task_id)
    if selectors.membership_function(actor=request.user, task=task) != \
            Membership.Function.ANNOTATE:
        messages.error(request, "You review this task; annotators label it.")
        return redirect("annotation:home")
    if not has_acknowledged(user_id=request.user.pk, version_id=task.rule_version_id):
        messages.info(request, "Read and acknowledge the task's rules before labelling.")
        return redirect(reverse("rules:rule-version-detail", args=[task.rule_version_id])
                        + f"?next={reverse('annotation:label', args=[task.pk])}")
    version = task.rule_version
    config = {
        "task": task.pk, "kind": task.kind, "spec": version.label_spec if not task.is_safety
        else [], "minimumSeconds": task.minimum_seconds_per_item,
        "exposureCapMinutes": task.daily_exposure_cap_minutes if task.is_safety else None,
        "exposureMinutes": round(exposure_minutes_today(user_id=request.user.pk), 1)
        if task.is_safety else None,
        "breakReminderMinutes": task.break_reminder_minutes,
        "doneToday": selectors.labels_today(actor=request.user, task=task),
    }
    groups = risk_group_list_with_categories() if task.is_safety else []
    definitions = {}
    if task.is_safety:
        definitions = {rule.category.code: rule.definition
                       for rule in version.risk_rules.select_related("category")}
    return render(request, "annotation/label.html", {
        "task": task, "version": version, "config": json.dumps(config),
        "groups": groups, "definitions": definitions,
        "state_active": task.state == Task.State.ACTIVE})


@require_GET
def item_media(request: HttpRequest, item_id: int) -> HttpResponse:
    return serve_item_media(selectors.item_get_for_actor(actor=request.user, item_id=item_id))


# --- managers -------------------------------------------------------------------------------

managers_only = permission_required(MANAGE_TASKS, raise_exception=True)


@require_http_methods(["GET", "POST"])
@managers_only
def task_manage_list(request: HttpRequest) -> HttpResponse:
    form = TaskCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            task = services.task_create(actor=request.user, name=data.pop("name"),
                                        rule_version_id=data.pop("rule_version").pk, **data)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Created the draft task {task.name}. Import items, add "
                                      "members, then activate it.")
            return redirect("annotation:task-manage", task_id=task.pk)
    tasks = selectors.task_list_for_actor(actor=request.user).annotate(
        item_count=Count("items", distinct=True))
    page = Paginator(tasks, 50).get_page(request.GET.get("page"))
    return render(request, "annotation/task_manage_list.html", {"form": form, "page": page})


@require_http_methods(["GET", "POST"])
@managers_only
def task_manage(request: HttpRequest, task_id: int) -> HttpResponse:
    task = selectors.task_get_for_actor(actor=request.user, task_id=task_id)
    settings_form = TaskSettingsForm(instance=task)
    member_form = MembershipForm()
    import_form = ImportForm()
    action = request.POST.get("action")
    if request.method == "POST":
        try:
            if action == "settings":
                settings_form = TaskSettingsForm(request.POST, instance=task)
                if settings_form.is_valid():
                    services.task_update(actor=request.user, task_id=task.pk, changes={
                        name: settings_form.cleaned_data[name]
                        for name in settings_form.changed_data})
                    messages.success(request, "Settings saved.")
                    return redirect("annotation:task-manage", task_id=task.pk)
            elif action == "state":
                services.task_set_state(actor=request.user, task_id=task.pk,
                                        state=request.POST.get("state", ""))
                messages.success(request, "Task state changed.")
                return redirect("annotation:task-manage", task_id=task.pk)
            elif action == "member":
                member_form = MembershipForm(request.POST)
                if member_form.is_valid():
                    services.membership_add(actor=request.user, task_id=task.pk,
                                            user_id=member_form.cleaned_data["user"].pk,
                                            function=member_form.cleaned_data["function"])
                    messages.success(request, "Member added.")
                    return redirect("annotation:task-manage", task_id=task.pk)
            elif action == "remove-member":
                services.membership_remove(actor=request.user,
                                           membership_id=int(request.POST.get("membership")))
                messages.success(request, "Member removed; their items went back to the pool.")
                return redirect("annotation:task-manage", task_id=task.pk)
            elif action == "import":
                import_form = ImportForm(request.POST, request.FILES)
                if import_form.is_valid():
                    job = services.import_job_create(actor=request.user, task_id=task.pk,
                                                     upload=import_form.cleaned_data["file"])
                    return redirect("annotation:import-job", job_id=job.pk)
        except ApplicationError as error:
            messages.error(request, error.message)
        except ValueError:
            messages.error(request, "That request was malformed; reload the page.")
    task.refresh_from_db()
    return render(request, "annotation/task_manage.html", {
        "task": task, "settings_form": settings_form, "member_form": member_form,
        "import_form": import_form, "members": selectors.membership_list(task=task),
        "batches": selectors.batch_list_for_task(task=task).annotate(
            item_count=Count("items")),
        "jobs": task.imports.order_by("-created_at")[:10],
        "transitions": sorted(Task.TRANSITIONS[Task.State(task.state)])})


@require_GET
@managers_only
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.import_job_get_for_actor(actor=request.user, job_id=job_id)
    return render(request, "annotation/import_job.html", {"job": job})
