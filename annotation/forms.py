"""Forms of the task pages: they parse input; services write."""

from django import forms
from django.contrib.auth import get_user_model

from rules.models import RuleVersion

from .models import Membership, Task

TASK_FIELDS = ["labels_per_item", "required_approvals", "expected_seconds_per_item",
               "minimum_seconds_per_item", "lease_multiple", "batch_size", "deadline_at",
               "working_hours_per_day", "daily_exposure_cap_minutes", "break_reminder_minutes",
               "instructions", "aql", "inspection_level", "sample_rate", "sample_minimum",
               "tightened_switching"]


class TaskCreateForm(forms.Form):
    name = forms.CharField(max_length=200)
    rule_version = forms.ModelChoiceField(
        queryset=RuleVersion.objects.filter(status=RuleVersion.Status.PUBLISHED)
        .select_related("rule_set").order_by("rule_set__name", "-number"),
        help_text="The published rules the task works under; its kind follows them.")
    labels_per_item = forms.IntegerField(min_value=1, initial=1)
    batch_size = forms.IntegerField(min_value=1, initial=100)


class TaskSettingsForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = TASK_FIELDS
        widgets = {"deadline_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
                   "instructions": forms.Textarea(attrs={"rows": 3})}


class MembershipForm(forms.Form):
    user = forms.ModelChoiceField(queryset=get_user_model().objects.order_by("username"),
                                  label="Person")
    function = forms.ChoiceField(choices=Membership.Function.choices)


class ImportForm(forms.Form):
    file = forms.FileField(help_text="JSONL, CSV with a text column, plain text (one item a "
                                     "line), a Label Studio JSON export, or a zip of media.")
