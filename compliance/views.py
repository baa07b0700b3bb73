from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from annotators.permissions import manager_required


@require_GET
@manager_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "compliance/home.html")
