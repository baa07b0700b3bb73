"""Rules pages: rule sets, versions, the draft editor, publishing, diffs and acknowledgement."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.errors import ApplicationError

from . import selectors, services
from .content import RISK_RULE_FIELDS, publication_gaps, risk_coverage, sections_for
from .forms import ImportForm, RetireForm, RiskRuleForm, RuleSetForm, rule_version_form_class
from .models import RuleVersion
from .permissions import MANAGE_RULES

manager_only = permission_required(MANAGE_RULES, raise_exception=True)


def _version_url(version_id: int) -> str:
    return reverse("rules:rule-version-detail", args=[version_id])


@require_GET
def risk_category_list(request: HttpRequest) -> HttpResponse:
    return render(request, "rules/risk_category_list.html",
                  {"groups": selectors.risk_group_list_with_categories()})


@require_GET
def rule_set_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.rule_set_list_for_actor(actor=request.user), 25).get_page(
        request.GET.get("page"))
    return render(request, "rules/rule_set_list.html", {
        "page": page, "can_manage": selectors.can_manage_rules(actor=request.user)})


@require_http_methods(["GET", "POST"])
@manager_only
def rule_set_create(request: HttpRequest) -> HttpResponse:
    form = RuleSetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rule_set = services.rule_set_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Created {rule_set.name} with an empty draft, version 1.")
            draft = selectors.rule_version_draft_get(actor=request.user,
                                                     rule_set_id=rule_set.pk)
            return redirect("rules:rule-version-edit", version_id=draft.pk)
    return render(request, "rules/rule_set_form.html", {"form": form})


@require_GET
def rule_set_detail(request: HttpRequest, rule_set_id: int) -> HttpResponse:
    rule_set = selectors.rule_set_get_for_actor(actor=request.user, rule_set_id=rule_set_id)
    versions = list(selectors.rule_version_list_for_actor(actor=request.user,
                                                          rule_set_id=rule_set_id))
    # Newest first: each version is compared with the next row, the one before it.
    rows = [(v, versions[i + 1].pk if i + 1 < len(versions) else None)
            for i, v in enumerate(versions)]
    return render(request, "rules/rule_set_detail.html", {
        "rule_set": rule_set, "rows": rows,
        "can_manage": selectors.can_manage_rules(actor=request.user),
        "has_draft": any(v.status == RuleVersion.Status.DRAFT for v in versions)})


def _sections(version: RuleVersion) -> list[tuple[str, str]]:
    return [(label, getattr(version, key)) for key, (label, _) in sections_for(
        version.rule_set.kind).items() if key in {
        "objectives", "data_formats", "annotation_method", "annotation_guidance",
        "review_guidance"}]


@require_GET
def rule_version_detail(request: HttpRequest, version_id: int) -> HttpResponse:
    version = selectors.rule_version_get_for_actor(actor=request.user, version_id=version_id)
    coverage = None
    if version.is_safety:
        covered, missing = risk_coverage(version)
        coverage = {"covered": len(covered), "missing": missing}
    return render(request, "rules/rule_version_detail.html", {
        "version": version,
        "sections": _sections(version),
        "guidance": [("Authenticity", version.guidance_authenticity),
                     ("Accuracy", version.guidance_accuracy),
                     ("Objectivity", version.guidance_objectivity),
                     ("Diversity", version.guidance_diversity)],
        "label_spec": version.label_spec if isinstance(version.label_spec, list) else [],
        "coverage": coverage,
        "acknowledgement": selectors.acknowledgement_for(actor=request.user, version=version),
        "next": request.GET.get("next", ""),
        "can_manage": selectors.can_manage_rules(actor=request.user),
    })


@require_http_methods(["GET", "POST"])
@manager_only
def rule_version_edit(request: HttpRequest, version_id: int) -> HttpResponse:
    version = selectors.rule_version_get_for_actor(actor=request.user, version_id=version_id)
    if version.status != RuleVersion.Status.DRAFT:
        messages.error(request, f"Version {version.number} is {version.status}; a "
                                f"{version.status} version never changes. Start a new draft "
                                "from it instead.")
        return redirect(_version_url(version.pk))
    form_class = rule_version_form_class(version.rule_set.kind)
    form = form_class(request.POST or None, instance=version)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if "label_spec" in changes and changes["label_spec"] is None:
            changes["label_spec"] = []
        try:
            services.rule_version_update(actor=request.user, version_id=version.pk,
                                         changes=changes)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Draft saved." if changes else "Nothing had changed.")
            return redirect("rules:rule-version-edit", version_id=version.pk)
    version = selectors.rule_version_get_for_actor(actor=request.user, version_id=version_id)
    context = {"version": version, "form": form, "gaps": publication_gaps(version)}
    if version.is_safety:
        covered, missing = risk_coverage(version)
        context["coverage"] = {"covered": len(covered), "of": len(covered) + len(missing),
                               "missing": missing}
        context["categories"] = selectors.risk_rule_rows(version=version)
    return render(request, "rules/rule_version_edit.html", context)


@require_http_methods(["GET", "POST"])
@manager_only
def risk_rule_edit(request: HttpRequest, version_id: int, code: str) -> HttpResponse:
    version = selectors.rule_version_get_for_actor(actor=request.user, version_id=version_id)
    if not version.is_safety:
        raise Http404("No such risk category in this version.")
    category = selectors.risk_category_get(code=code)
    rule = selectors.risk_rule_for(version=version, category=category)
    form = RiskRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_rule_save(actor=request.user, version_id=version.pk,
                                    category_code=code,
                                    texts={name: form.cleaned_data[name]
                                           for name in RISK_RULE_FIELDS})
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Saved the rule for {code}.")
            return redirect(reverse("rules:rule-version-edit", args=[version.pk])
                            + f"#risk-{code}")
    return render(request, "rules/risk_rule_edit.html",
                  {"version": version, "category": category, "form": form})


@require_http_methods(["GET", "POST"])
@manager_only
def rule_version_publish(request: HttpRequest, version_id: int) -> HttpResponse:
    version = selectors.rule_version_get_for_actor(actor=request.user, version_id=version_id)
    if request.method == "POST":
        try:
            services.rule_version_publish(actor=request.user, version_id=version.pk)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Published {version.rule_set.name} v{version.number}. "
                                      "It will never change.")
            return redirect(_version_url(version.pk))
    return render(request, "rules/rule_version_publish.html",
                  {"version": version, "gaps": publication_gaps(version)
                   if version.status == RuleVersion.Status.DRAFT else []})


@require_http_methods(["GET", "POST"])
@manager_only
def rule_version_retire(request: HttpRequest, version_id: int) -> HttpResponse:
    version = selectors.rule_version_get_for_actor(actor=request.user, version_id=version_id)
    form = RetireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_version_retire(actor=request.user, version_id=version.pk,
                                         reason=form.cleaned_data["reason"])
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Retired {version.rule_set.name} v{version.number}.")
            return redirect(_version_url(version.pk))
    return render(request, "rules/rule_version_retire.html", {"version": version, "form": form})


@require_POST
@manager_only
def rule_version_new_draft(request: HttpRequest, version_id: int) -> HttpResponse:
    version = selectors.rule_version_get_for_actor(actor=request.user, version_id=version_id)
    try:
        draft = services.rule_version_new_draft(actor=request.user, source_version_id=version.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("rules:rule-set-detail", rule_set_id=version.rule_set_id)
    messages.success(request, f"Started draft v{draft.number} as a copy of v{version.number}.")
    return redirect("rules:rule-version-edit", version_id=draft.pk)


@require_POST
def rule_version_acknowledge(request: HttpRequest, version_id: int) -> HttpResponse:
    version = selectors.rule_version_get_for_actor(actor=request.user, version_id=version_id)
    try:
        services.rule_version_acknowledge(actor=request.user, version_id=version.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"You acknowledged {version.rule_set.name} v{version.number}.")
        # Back to the work that asked for the acknowledgement, if it is a page of this site.
        back = request.POST.get("next", "")
        if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                                    require_https=request.is_secure()):
            return redirect(back)
    return redirect(_version_url(version.pk))


@require_GET
def rule_version_diff(request: HttpRequest, version_id: int) -> HttpResponse:
    after = selectors.rule_version_get_for_actor(actor=request.user, version_id=version_id)
    versions = list(selectors.rule_version_list_for_actor(actor=request.user,
                                                          rule_set_id=after.rule_set_id))
    against = request.GET.get("against", "")
    before = None
    if against.isdigit():
        before = next((v for v in versions if v.pk == int(against)), None)
    elif len(versions) > 1:
        older = [v for v in versions if v.number < after.number]
        before = older[0] if older else None
    diff = None
    if before is not None:
        before = selectors.rule_version_get_for_actor(actor=request.user, version_id=before.pk)
        diff = selectors.rule_version_diff(before=before, after=after)
    return render(request, "rules/rule_version_diff.html", {
        "after": after, "before": before, "diff": diff,
        "choices": [v for v in versions if v.pk != after.pk]})


@require_GET
def rule_version_export(request: HttpRequest, version_id: int) -> HttpResponse:
    version = selectors.rule_version_get_for_actor(actor=request.user, version_id=version_id)
    body = json.dumps(selectors.rule_version_export(version=version), ensure_ascii=False,
                      indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="rule-version-{version.rule_set_id}-v{version.number}.json"')
    return response


@require_http_methods(["GET", "POST"])
@manager_only
def rule_version_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            draft = services.rule_version_import(actor=request.user,
                                                 document=form.cleaned_data["file"])
        except ApplicationError as error:
            form.add_error("file", error.message)
            details = error.detail.get("document") if isinstance(error.detail, dict) else None
            for line in details or []:
                form.add_error("file", line)
        else:
            messages.success(request, f"Imported as draft v{draft.number} of "
                                      f"{draft.rule_set.name}. Check it, then publish it.")
            return redirect("rules:rule-version-edit", version_id=draft.pk)
    return render(request, "rules/rule_version_import.html", {"form": form})
