from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .selectors import risk_group_list_with_categories


@require_GET
def risk_category_list(request: HttpRequest) -> HttpResponse:
    return render(request, "rules/risk_category_list.html",
                  {"groups": risk_group_list_with_categories()})
