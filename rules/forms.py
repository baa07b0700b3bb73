"""Forms of the rules pages. They only parse input; services do the writing."""

import json

from django import forms

from .content import RISK_RULE_FIELDS
from .models import RiskRule, RuleSet, RuleVersion

COMMON_FIELDS = [
    "changelog", "objectives", "data_formats", "annotation_method", "quality_notes",
    "target_accuracy", "sampling_scheme", "aql", "inspection_level", "tightened_switching",
    "sample_rate", "sample_minimum", "expected_seconds_per_item", "minimum_seconds_per_item",
    "annotation_guidance", "review_guidance",
]
FUNCTIONAL_FIELDS = ["guidance_authenticity", "guidance_accuracy", "guidance_objectivity",
                     "guidance_diversity", "label_spec"]


class RuleSetForm(forms.ModelForm):
    class Meta:
        model = RuleSet
        fields = ["name", "kind", "domain", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class PrettyJSONField(forms.JSONField):
    def prepare_value(self, value):
        if isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False, indent=2)


TEXTAREAS = ("changelog", "objectives", "data_formats", "annotation_method", "quality_notes",
             "annotation_guidance", "review_guidance", "guidance_authenticity",
             "guidance_accuracy", "guidance_objectivity", "guidance_diversity")


def rule_version_form_class(kind: str) -> type[forms.ModelForm]:
    """The draft editor's form: the common sections plus what the kind adds."""
    fields = COMMON_FIELDS + (["required_approvals"] if kind == RuleSet.Kind.SAFETY
                              else FUNCTIONAL_FIELDS)
    widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in TEXTAREAS}
    widgets["label_spec"] = forms.Textarea(attrs={"rows": 12, "class": "code"})
    form_class = forms.modelform_factory(RuleVersion, fields=fields, widgets=widgets,
                                         field_classes={"label_spec": PrettyJSONField})
    if "label_spec" in form_class.base_fields:
        form_class.base_fields["label_spec"].required = False
    return form_class


class RiskRuleForm(forms.ModelForm):
    class Meta:
        model = RiskRule
        fields = list(RISK_RULE_FIELDS)
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in RISK_RULE_FIELDS}


class ImportForm(forms.Form):
    file = forms.FileField(help_text="A JSON file exported from a rule version.")

    MAX_BYTES = 2 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError("The file is larger than 2 MB; a rule version is not.")
        try:
            return json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise forms.ValidationError(f"The file is not UTF-8 JSON: {error}.") from None


class RetireForm(forms.Form):
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
