"""Annotators' pages: their tasks, and the keyboard-first labelling page."""

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from rules.selectors import has_acknowledged, risk_group_list_with_categories

from . import selectors
from .api import serve_item_media
from .models import Membership, Task
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
