"""Annotators' pages: their tasks, and the keyboard-first labelling page."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.errors import ApplicationError
from config.media import media_response
from rules.selectors import has_acknowledged, risk_group_list_with_categories

from . import selectors, services
from .forms import ImportForm, MembershipForm, TaskCreateForm, TaskSettingsForm
from .models import Membership, Task
from .permissions import MANAGE_TASKS


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    tasks = selectors.task_list_for_annotator(actor=request.user)
    return render(request, "annotation/home.html", {
        "tasks": [(task, task.labels_today) for task in tasks]})


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
        "exposureMinutes": round(selectors.exposure_minutes_today(user_id=request.user.pk), 1)
        if task.is_safety else None,
        "breakReminderMinutes": task.break_reminder_minutes,
        "doneToday": selectors.labels_today(actor=request.user, task=task),
    }
    groups = risk_group_list_with_categories() if task.is_safety else []
    definitions = selectors.risk_definitions(version=version) if task.is_safety else {}
    return render(request, "annotation/label.html", {
        "task": task, "version": version, "config": json.dumps(config),
        "groups": groups, "definitions": definitions,
        "state_active": task.state == Task.State.ACTIVE})


@require_GET
def item_media(request: HttpRequest, item_id: int) -> HttpResponse:
    item = selectors.item_with_file_get_for_actor(actor=request.user, item_id=item_id)
    return media_response(file=item.file, content_type=item.content_type)


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
    tasks = selectors.task_list_with_item_counts(actor=request.user)
    page = Paginator(tasks, 50).get_page(request.GET.get("page"))
    return render(request, "annotation/task_manage_list.html", {"form": form, "page": page})


def _manage_page(request: HttpRequest, task: Task, *, status: int = 200,
                 **forms) -> HttpResponse:
    """The task's page for managers, with any form that came back with errors."""
    task.refresh_from_db()
    return render(request, "annotation/task_manage.html", {
        "task": task,
        "settings_form": forms.get("settings_form") or TaskSettingsForm(instance=task),
        "member_form": forms.get("member_form") or MembershipForm(),
        "import_form": forms.get("import_form") or ImportForm(),
        "members": selectors.membership_list(task=task),
        "batches": selectors.batch_list_with_item_counts(task=task),
        "jobs": selectors.import_job_list_for_task(task=task)[:10],
        "capacity": selectors.task_capacity(task=task, deadline_at=task.deadline_at),
        "transitions": sorted(Task.TRANSITIONS[Task.State(task.state)])}, status=status)


@require_GET
@managers_only
def task_manage(request: HttpRequest, task_id: int) -> HttpResponse:
    return _manage_page(request, selectors.task_get_for_actor(actor=request.user,
                                                              task_id=task_id))


def _service_error(form, error: ApplicationError) -> None:
    """Show a refusal on the form: each field's reason beside it, the message on top."""
    fields = error.detail if isinstance(error.detail, dict) else {}
    for name, problems in fields.items():
        for problem in problems if isinstance(problems, list) else [problems]:
            form.add_error(name if name in form.fields else None, str(problem))
    if not any(name in form.fields for name in fields):
        form.add_error(None, error.message)


def _post_form(request: HttpRequest, task: Task, form, form_name: str, call, *,
               success: str = "", then=None) -> HttpResponse:
    """Run a task form's service call with the form's data. Done, go to ``then(result)``
    (or back to the task page) with ``success``; refused, show the page again with each
    reason beside its field."""
    if form.is_valid():
        try:
            result = call(form.cleaned_data)
        except ApplicationError as error:
            _service_error(form, error)
        else:
            if success:
                messages.success(request, success)
            return redirect(then(result) if then else
                            reverse("annotation:task-manage", args=[task.pk]))
    return _manage_page(request, task, status=400, **{form_name: form})


@require_POST
@managers_only
def task_settings(request: HttpRequest, task_id: int) -> HttpResponse:
    task = selectors.task_get_for_actor(actor=request.user, task_id=task_id)
    form = TaskSettingsForm(request.POST, instance=task)
    return _post_form(request, task, form, "settings_form", lambda data: services.task_update(
        actor=request.user, task_id=task.pk,
        changes={name: data[name] for name in form.changed_data}), success="Settings saved.")


@require_POST
@managers_only
def task_state(request: HttpRequest, task_id: int) -> HttpResponse:
    task = selectors.task_get_for_actor(actor=request.user, task_id=task_id)
    try:
        services.task_set_state(actor=request.user, task_id=task.pk,
                                state=request.POST.get("state", ""))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Task state changed.")
    return redirect("annotation:task-manage", task_id=task.pk)


@require_POST
@managers_only
def task_member_add(request: HttpRequest, task_id: int) -> HttpResponse:
    task = selectors.task_get_for_actor(actor=request.user, task_id=task_id)
    return _post_form(request, task, MembershipForm(request.POST), "member_form",
                      lambda data: services.membership_add(
                          actor=request.user, task_id=task.pk, user_id=data["user"].pk,
                          function=data["function"]), success="Member added.")


@require_POST
@managers_only
def task_member_remove(request: HttpRequest, task_id: int, membership_id: int) -> HttpResponse:
    task = selectors.task_get_for_actor(actor=request.user, task_id=task_id)
    try:
        membership = services.membership_remove(actor=request.user, membership_id=membership_id,
                                                task_id=task.pk)
    except ApplicationError as error:
        if error.http_status == 404:
            raise Http404(error.message) from error
        messages.error(request, error.message)
    else:
        messages.success(request, f"{membership.user.get_username()} left the task; their "
                                  "items went back to the pool. They may come back only as "
                                  f"{membership.get_function_display().lower()}.")
    return redirect("annotation:task-manage", task_id=task.pk)


@require_POST
@managers_only
def task_import(request: HttpRequest, task_id: int) -> HttpResponse:
    task = selectors.task_get_for_actor(actor=request.user, task_id=task_id)
    return _post_form(request, task, ImportForm(request.POST, request.FILES), "import_form",
                      lambda data: services.import_job_create(
                          actor=request.user, task_id=task.pk, upload=data["file"]),
                      then=lambda job: reverse("annotation:import-job", args=[job.pk]))


@require_GET
@managers_only
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.import_job_get_for_actor(actor=request.user, job_id=job_id)
    return render(request, "annotation/import_job.html", {"job": job})
