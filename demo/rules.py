"""Demo rules for seed_demo: a published safety rule set, a published functional one, a draft."""

from django.contrib.auth.base_user import AbstractBaseUser

from rules.models import RiskCategory, RuleSet
from rules.services import (
    risk_rule_save,
    rule_set_create,
    rule_version_new_draft,
    rule_version_publish,
    rule_version_update,
)

SAFETY_NAME = "Safety annotation of chatbot content"
FUNCTIONAL_NAME = "Preference ranking of chatbot answers"

COMMON = {
    "data_formats": "Each item is a UTF-8 text: a user prompt and the model's answer, or a "
                    "training document. Images, audio and video arrive as files of the item.",
    "review_guidance": "Reviewers check each label against these rules, item by item. Approve "
                       "a label only when every code it carries is justified by the decision "
                       "criteria and no risk present in the item is missing.",
    "quality_notes": "Sampling follows ISO 2859-1; labels submitted faster than the minimum "
                     "time are always sampled.",
    "target_accuracy": "0.950",
    "sampling_scheme": "iso2859_1",
    "aql": "1.0",
    "inspection_level": "II",
}

SAFETY_FIELDS = {
    **COMMON,
    "objectives": "Mark every item that presents one or more of the 31 main safety risks of "
                  "Appendix A, so that harmful content can be filtered from training data and "
                  "the model can be taught to refuse it.",
    "annotation_method": "Read the whole item. For each risk category present, tick its code; "
                         "if none is present, choose **No risk** explicitly. Mark the spans "
                         "that carry the risk where you can, and add a note when unsure.",
    "annotation_guidance": "Judge the content, not the topic: discussing a risk neutrally is "
                           "not presenting it. When two categories apply, tick both.",
    "expected_seconds_per_item": 90,
    "minimum_seconds_per_item": 15,
    "required_approvals": 1,
    "changelog": "First edition.",
}

FUNCTIONAL_FIELDS = {
    **COMMON,
    "objectives": "Rank several answers of the chatbot to one prompt from best to worst, so "
                  "that the model learns which answers people prefer.",
    "annotation_method": "Read the prompt and every answer. Order the answers from best to "
                         "worst, rate the best one, and explain your choice in a sentence.",
    "annotation_guidance": "Prefer answers that are true, complete, and kind to the reader. "
                           "Length is not quality.",
    "guidance_authenticity": "Favour answers grounded in real, checkable facts; an answer that "
                             "invents sources ranks last.",
    "guidance_accuracy": "Check numbers, names and dates against a reliable reference before "
                         "ranking an answer first.",
    "guidance_objectivity": "Rank by the answer's merit, not by whether you agree with its "
                            "view; balanced answers to contested questions rank higher.",
    "guidance_diversity": "Do not penalise answers for dialect, register or cultural "
                          "references that differ from yours.",
    "expected_seconds_per_item": 120,
    "minimum_seconds_per_item": 20,
    "label_spec": [
        {"name": "ranking", "type": "ranking", "label": "Order the answers, best first",
         "required": True, "options": ["Answer A", "Answer B", "Answer C"]},
        {"name": "best_quality", "type": "rating", "label": "How good is the best answer?",
         "required": True, "min": 1, "max": 5},
        {"name": "issues", "type": "multiple_choice", "label": "Problems in any answer",
         "required": False, "options": ["Factual error", "Unsafe advice", "Off topic",
                                        "Incomplete"]},
        {"name": "reason", "type": "free_text", "label": "Why this order?", "required": True,
         "max_length": 1000},
    ],
    "changelog": "First edition.",
}


def _risk_texts(category: RiskCategory) -> dict[str, str]:
    name = category.name_en[0].lower() + category.name_en[1:]
    return {
        "definition": f"Content that amounts to {name} ({category.code}, "
                      f"{category.group.title_en.lower()}).",
        "decision_criteria": f"Tick {category.code} when the item itself asserts, promotes, "
                             f"instructs or depicts {name}. Quoting or reporting it in order "
                             "to refute or explain it does not count.",
        "positive_examples": f"An answer that endorses {name} as acceptable.",
        "counter_examples": f"A news summary that describes {name} neutrally and critically.",
        "review_criteria": f"Approve {category.code} only if the marked span or the whole item "
                           "meets the decision criteria; reject labels that tick it for the "
                           "topic alone.",
    }


def seed_rules(*, manager: AbstractBaseUser) -> list[str]:
    """Create the demo rule sets that are missing; return one line per rule set."""
    lines = []
    if not RuleSet.objects.filter(name=SAFETY_NAME).exists():
        rule_set = rule_set_create(actor=manager, name=SAFETY_NAME, kind=RuleSet.Kind.SAFETY,
                                   domain="chatbot prompts and answers",
                                   description="Risk labels for all 31 categories.")
        draft = rule_set.versions.get()
        rule_version_update(actor=manager, version_id=draft.pk, changes=SAFETY_FIELDS)
        for category in RiskCategory.objects.select_related("group").order_by("position"):
            risk_rule_save(actor=manager, version_id=draft.pk, category_code=category.code,
                           texts=_risk_texts(category))
        rule_version_publish(actor=manager, version_id=draft.pk)
        lines.append(f"Rules: {SAFETY_NAME}: v1 published")
    if not RuleSet.objects.filter(name=FUNCTIONAL_NAME).exists():
        rule_set = rule_set_create(actor=manager, name=FUNCTIONAL_NAME,
                                   kind=RuleSet.Kind.FUNCTIONAL,
                                   domain="general-knowledge chatbot answers",
                                   description="Which answer do people prefer?")
        first = rule_set.versions.get()
        rule_version_update(actor=manager, version_id=first.pk, changes=FUNCTIONAL_FIELDS)
        rule_version_publish(actor=manager, version_id=first.pk)
        draft = rule_version_new_draft(actor=manager, source_version_id=first.pk)
        rule_version_update(actor=manager, version_id=draft.pk, changes={
            "changelog": "Add a fourth answer to rank; ask for sources.",
            "annotation_guidance": FUNCTIONAL_FIELDS["annotation_guidance"]
            + " Where an answer cites a source, open it before ranking.",
        })
        lines.append(f"Rules: {FUNCTIONAL_NAME}: v1 published, v2 draft in progress")
    return lines
