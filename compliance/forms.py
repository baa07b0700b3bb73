"""The report's period and scope, as chosen on its page."""

from datetime import timedelta

from django import forms
from django.utils import timezone

from annotation.models import Task

DEFAULT_DAYS = 30


class ReportForm(forms.Form):
    period_from = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    period_to = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
    task = forms.ModelChoiceField(queryset=Task.objects.order_by("name"), required=False,
                                  empty_label="All tasks", label="Scope")

    @classmethod
    def for_request(cls, data) -> "ReportForm":
        """Bound to the query, with the last thirty days where it names no period."""
        today = timezone.localdate()
        defaults = {"period_from": (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
                    "period_to": today.isoformat(), "task": ""}
        return cls({**defaults, **{key: value for key, value in data.items() if value}})
