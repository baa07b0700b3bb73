"""What a rule version is made of: its fields by section, and what publishing requires."""

from decimal import Decimal

from .label_spec import label_spec_errors
from .models import RiskCategory, RiskRule, RuleSet, RuleVersion, SamplingScheme

# Required sections, in reading order, with the fields each is made of.
SECTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "objectives": ("Objectives", ("objectives",)),
    "data_formats": ("Data formats", ("data_formats",)),
    "annotation_method": ("Annotation method", ("annotation_method",)),
    "quality_indicators": ("Quality indicators", (
        "quality_notes", "target_accuracy", "sampling_scheme", "aql", "inspection_level",
        "tightened_switching", "sample_rate", "sample_minimum", "expected_seconds_per_item",
        "minimum_seconds_per_item", "required_approvals")),
    "annotation_guidance": ("Annotation guidance", ("annotation_guidance",)),
    "review_guidance": ("Review guidance", ("review_guidance",)),
}
FUNCTIONAL_SECTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "functional_guidance": ("Authenticity, accuracy, objectivity and diversity", (
        "guidance_authenticity", "guidance_accuracy", "guidance_objectivity",
        "guidance_diversity")),
    "label_spec": ("Label specification", ("label_spec",)),
}
GUIDANCE_LABELS = {
    "guidance_authenticity": "authenticity",
    "guidance_accuracy": "accuracy",
    "guidance_objectivity": "objectivity",
    "guidance_diversity": "diversity",
}
RISK_RULE_FIELDS = ("definition", "decision_criteria", "positive_examples", "counter_examples",
                    "review_criteria")
RISK_RULE_REQUIRED = ("definition", "decision_criteria", "review_criteria")
CONTENT_FIELDS = tuple(field for _, fields in {**SECTIONS, **FUNCTIONAL_SECTIONS}.values()
                       for field in fields)
EDITABLE_FIELDS = frozenset((*CONTENT_FIELDS, "changelog"))


def sections_for(kind: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {**SECTIONS, **FUNCTIONAL_SECTIONS} if kind == RuleSet.Kind.FUNCTIONAL else SECTIONS


def risk_coverage(version: RuleVersion) -> tuple[list[RiskCategory], list[RiskCategory]]:
    """Split the 31 categories into those with a complete rule in ``version`` and the rest."""
    complete = {
        rule.category_id for rule in RiskRule.objects.filter(version=version)
        if all(getattr(rule, field).strip() for field in RISK_RULE_REQUIRED)
    }
    categories = list(RiskCategory.objects.order_by("position"))
    return ([c for c in categories if c.pk in complete],
            [c for c in categories if c.pk not in complete])


def publication_gaps(version: RuleVersion) -> list[str]:
    """Name everything that keeps ``version`` from being published; empty when it is ready."""
    gaps = []
    for field in ("objectives", "data_formats", "annotation_method", "annotation_guidance",
                  "review_guidance"):
        if not getattr(version, field).strip():
            gaps.append(f"The section '{SECTIONS[field][0]}' is empty.")
    gaps.extend(_quality_indicator_gaps(version))

    if version.rule_set.kind == RuleSet.Kind.SAFETY:
        _, missing = risk_coverage(version)
        if missing:
            gaps.append(f"Risk rules are missing or incomplete for {len(missing)} of 31 "
                        f"categories: {', '.join(c.code for c in missing)}. Each needs a "
                        "definition, decision criteria and review criteria.")
    else:
        for field, quality in GUIDANCE_LABELS.items():
            if not getattr(version, field).strip():
                gaps.append(f"The guidance on {quality} is empty.")
        if not version.label_spec:
            gaps.append("The label specification has no fields.")
        else:
            gaps.extend(f"Label specification: {error}"
                        for error in label_spec_errors(version.label_spec))
    return gaps


def _quality_indicator_gaps(version: RuleVersion) -> list[str]:
    gaps = []
    prefix = "Quality indicators:"
    if version.target_accuracy is None or not Decimal(0) < version.target_accuracy <= 1:
        gaps.append(f"{prefix} the target accuracy must be set, above 0 and at most 1.")
    if version.sampling_scheme == SamplingScheme.ISO_2859_1:
        if not version.aql:
            gaps.append(f"{prefix} the AQL must be set for ISO 2859-1 sampling.")
    elif version.sample_rate is None or not Decimal(0) < version.sample_rate <= 1 \
            or not version.sample_minimum:
        gaps.append(f"{prefix} a fixed-rate plan needs a rate above 0 and at most 1, and a "
                    "minimum count.")
    expected, minimum = version.expected_seconds_per_item, version.minimum_seconds_per_item
    if not expected:
        gaps.append(f"{prefix} the expected seconds per item must be set.")
    if minimum is None:
        gaps.append(f"{prefix} the minimum seconds per item must be set (0: no label is too "
                    "fast).")
    if expected and minimum and minimum > expected:
        gaps.append(f"{prefix} the minimum seconds per item ({minimum}) exceed the expected "
                    f"({expected}).")
    if version.rule_set.kind == RuleSet.Kind.SAFETY and not version.required_approvals:
        gaps.append(f"{prefix} the number of approvals each safety label needs must be at "
                    "least 1.")
    return gaps
