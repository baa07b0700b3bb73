"""Clauses a.3, a.4 and b: separate functions, time per item, and rules that cover what the
standard asks, each read from the rows of the period."""

from django.db.models import Count, Exists, F, OuterRef
from django.urls import reverse

from annotation.models import FunctionalLabel, Membership, Task
from annotation.selectors import capacity_shortfalls
from annotation.services.tasks import looser_than_rules
from review.models import Sample, SampleCheck
from rules.content import publication_gaps, risk_coverage
from rules.models import RiskCategory, RuleVersion
from safety_labels.models import SafetyApproval, SafetyLabel

from .core import Scope, Section
from .workforce import person_url


def task_url(task_id: int) -> str:
    return reverse("annotation:task-manage", args=[task_id])


def worked_both_functions(scope: Scope) -> list[dict]:
    """People who labelled in a task and also reviewed there (checked its sampled labels or
    decided on its safety labels)."""
    task_ids = scope.task_ids()
    annotated = set(FunctionalLabel.objects.filter(task_id__in=task_ids)
                    .values_list("task_id", "annotator_id").distinct().order_by())
    annotated |= set(SafetyLabel.objects.filter(task_id__in=task_ids)
                     .values_list("task_id", "annotator_id").distinct().order_by())
    reviewed = set(SampleCheck.objects.filter(sample__batch__task_id__in=task_ids)
                   .exclude(reviewer=None).exclude(verdict="")
                   .values_list("sample__batch__task_id", "reviewer_id").distinct().order_by())
    reviewed |= set(SafetyApproval.objects.filter(label__task_id__in=task_ids,
                                                  adjudication=False)
                    .values_list("label__task_id", "reviewer_id").distinct().order_by())
    return [{"task": task_id, "user_id": user_id, "link": person_url(user_id)}
            for task_id, user_id in sorted(annotated & reviewed)]


def section_separation(scope: Scope) -> Section:
    section = Section("a.3", "Separate functions",
                      "Annotation and review are separate functions; nobody holds two "
                      "functions in one task.", rows_url=scope.tasks_url())
    task_ids = scope.task_ids()
    two = list(Membership.objects.filter(task_id__in=task_ids).values("task_id", "user_id")
               .annotate(functions=Count("function", distinct=True))
               .filter(functions__gt=1).order_by())
    section.evidence["two_memberships"] = [
        {"task": row["task_id"], "user_id": row["user_id"], "link": task_url(row["task_id"])}
        for row in two]
    section.add("memberships", "Memberships in the scope",
                Membership.objects.filter(task_id__in=task_ids).count())
    section.add("two_functions", "People holding two functions in one task", len(two),
                must=0)
    both = worked_both_functions(scope)
    section.evidence["worked_both_functions"] = both
    section.add("worked_both", "People who both labelled and reviewed in one task", len(both),
                must=0, why=f"{len(both)} person-task pair(s) hold both functions in the "
                            "work they did.")
    own = (SampleCheck.objects.filter(sample__batch__task_id__in=task_ids).exclude(verdict="")
           .filter(reviewer_id=F("label__annotator_id")).count()
           + SafetyApproval.objects.filter(label__task_id__in=task_ids, adjudication=False)
           .filter(reviewer_id=F("label__annotator_id")).count())
    section.add("own_work_reviewed", "Labels checked or decided on by their own annotator",
                own, must=0)
    return section


def _count_left_out(task_ids: list[int]) -> int:
    """Labels made faster than the minimum time, current when their batch was sampled, that
    the sample left out (every one of them must be checked)."""
    checked = SampleCheck.objects.filter(sample=OuterRef("pk"),
                                         label_id=OuterRef(OuterRef("pk")))
    samples = Sample.objects.filter(batch_id=OuterRef("item__batch_id"),
                                    drawn_at__gte=OuterRef("submitted_at")) \
        .exclude(Exists(checked))
    current = FunctionalLabel.objects.filter(task_id__in=task_ids, too_fast=True)
    still = current.filter(superseded_at=None).filter(Exists(samples)).count()
    replaced = current.exclude(superseded_at=None).filter(Exists(samples.filter(
        drawn_at__lt=OuterRef("superseded_at")))).count()
    return still + replaced


def section_time(scope: Scope) -> Section:
    section = Section("a.4", "Time for each item",
                      "Adequate and reasonable time is set aside for each annotation task.",
                      rows_url=scope.batches_url())
    tasks = list(scope.tasks().select_related("rule_version__rule_set"))
    looser = [{"task": task.pk, "name": task.name, "fields": sorted(problems),
               "link": task_url(task.pk)}
              for task in tasks if (problems := looser_than_rules(task, task.rule_version))]
    section.evidence["looser_than_rules"] = looser
    section.add("looser", "Tasks giving less time or fewer approvals than their rules",
                len(looser), must=0)
    task_ids = [task.pk for task in tasks]
    functional = FunctionalLabel.objects.filter(task_id__in=task_ids,
                                                submitted_at__gte=scope.start,
                                                submitted_at__lt=scope.end)
    safety = SafetyLabel.objects.filter(task_id__in=task_ids, submitted_at__gte=scope.start,
                                        submitted_at__lt=scope.end)
    made = functional.count() + safety.count()
    fast = functional.filter(too_fast=True).count() + safety.filter(too_fast=True).count()
    section.add("labels", "Labels made in the period", made)
    section.add("too_fast", "Labels made faster than the minimum time", fast)
    section.add("too_fast_share", "Share made faster than the minimum time",
                f"{fast / made:.1%}" if made else "—")
    left_out = _count_left_out(task_ids)
    section.add("too_fast_unsampled", "Too-fast labels that their batch's sample left out",
                left_out, must=0)
    short = capacity_shortfalls(tasks=[task for task in tasks if task.state != Task.State.CLOSED])
    section.evidence["short_of_time"] = [
        {"task": capacity.task.pk, "name": capacity.task.name, "problem": capacity.problem,
         "link": task_url(capacity.task.pk)} for capacity in short]
    section.add("short_of_time", "Open tasks that cannot meet their deadline", len(short))
    if short:
        section.risks.append(f"{len(short)} task(s) cannot meet their deadline at the "
                             "expected time per item with their annotators.")
    return section


def section_rules(scope: Scope) -> Section:
    section = Section("b", "Annotation rules",
                      "Rules state objectives, data formats, methods and quality indicators; "
                      "functional and safety rules are separate and cover annotation and "
                      "review; safety rules cover all 31 risks of Appendix A.",
                      rows_url=reverse("rules:rule-set-list"))
    task_ids = scope.task_ids()
    in_use = set(Task.objects.filter(pk__in=task_ids).values_list("rule_version_id", flat=True))
    in_use |= set(FunctionalLabel.objects.filter(
        task_id__in=task_ids, submitted_at__gte=scope.start, submitted_at__lt=scope.end)
        .values_list("rule_version_id", flat=True).distinct().order_by())
    safety_versions = dict(SafetyLabel.objects.filter(
        task_id__in=task_ids, submitted_at__gte=scope.start, submitted_at__lt=scope.end)
        .values_list("rule_version_id").annotate(n=Count("pk")).order_by())
    in_use |= set(safety_versions)
    versions = list(RuleVersion.objects.filter(pk__in=in_use).select_related("rule_set")
                    .order_by("rule_set__name", "number"))
    unfit, covered_labels, coverage = [], 0, []
    for version in versions:
        link = reverse("rules:rule-version-detail", args=[version.pk])
        if version.status == RuleVersion.Status.DRAFT:
            unfit.append({"version": str(version), "problem": "never published", "link": link})
        unfit.extend({"version": str(version), "problem": gap, "link": link}
                     for gap in publication_gaps(version))
        if version.is_safety:
            complete, missing = risk_coverage(version)
            if not missing:
                covered_labels += safety_versions.get(version.pk, 0)
            coverage.append({"version": str(version), "covered": len(complete),
                             "missing": [category.code for category in missing],
                             "link": link})
    section.evidence["rule_versions_in_use"] = [
        {"version": str(version), "kind": version.rule_set.kind, "status": version.status,
         "link": reverse("rules:rule-version-detail", args=[version.pk])}
        for version in versions]
    section.evidence["unfit_rule_versions"] = unfit
    section.evidence["safety_coverage"] = coverage
    section.evidence["risk_categories"] = [
        {"code": category.code, "name_en": category.name_en, "name_zh": category.name_zh}
        for category in RiskCategory.objects.order_by("position")]
    section.add("versions", "Rule versions in use", len(versions),
                link=reverse("rules:rule-set-list"))
    section.add("unfit", "Gaps in the rule versions in use", len(unfit), must=0)
    labelled = sum(safety_versions.values())
    section.add("safety_labels", "Safety labels made in the period", labelled)
    section.add("safety_labels_uncovered",
                "Safety labels made under rules not covering all 31 risks",
                labelled - covered_labels, must=0)
    return section
