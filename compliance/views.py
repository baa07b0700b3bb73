from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from annotation.models import Task
from annotation.selectors import capacity_shortfalls, task_list_for_actor
from annotators.permissions import manager_required


@require_GET
@manager_required
def home(request: HttpRequest) -> HttpResponse:
    tasks = list(task_list_for_actor(actor=request.user).exclude(state=Task.State.CLOSED)
                 .exclude(deadline_at=None))
    return render(request, "compliance/home.html", {
        "shortfalls": capacity_shortfalls(tasks=tasks)})
