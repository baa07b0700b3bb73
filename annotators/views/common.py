"""What the workforce pages share: the managers' gate and how a refusal lands on a form."""

from django import forms
from django.contrib.auth.decorators import permission_required

from config.errors import ApplicationError

from ..services.common import MANAGE_WORKFORCE

managers_only = permission_required(MANAGE_WORKFORCE, raise_exception=True)


def show_refusal(form: forms.BaseForm, error: ApplicationError) -> None:
    """Put a refusal on the form: beside each field its detail names, else above the form."""
    detail = error.detail if isinstance(error.detail, dict) else {}
    named = {name: problems for name, problems in detail.items() if name in form.fields}
    for name, problems in named.items():
        for problem in problems if isinstance(problems, list) else [problems]:
            form.add_error(name, str(problem))
    if not named:
        form.add_error(None, error.message)
