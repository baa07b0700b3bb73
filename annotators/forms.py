"""Forms of the workforce pages: they parse input; services write."""

from django import forms
from django.conf import settings

from rules.models import RuleVersion

from .models import Ability, Course, CredentialKind, CredentialPolicy, Exam, Question, Topic


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="Kept in the credential's history and the audit trail.")


class SuspendForm(ReasonForm):
    until_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text="Optional: reinstated automatically on this date.")


class CredentialFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "Any kind"), *CredentialKind.choices], required=False)
    status = forms.ChoiceField(choices=[("", "Any state"), ("active", "Active"),
                                        ("suspended", "Suspended"), ("revoked", "Revoked"),
                                        ("expired", "Expired")], required=False)
    expiring = forms.BooleanField(required=False, label="Expiring within 30 days")
    search = forms.CharField(required=False, label="Search people")


class ScheduleRetrainingForm(forms.Form):
    kind = forms.ChoiceField(choices=CredentialKind.choices, label="Credential kind")
    course = forms.ModelChoiceField(queryset=Course.objects.order_by("title"), required=False,
                                    empty_label="The course the kind's policy requires")
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class CourseForm(forms.ModelForm):
    class Meta:
        model = Course
        fields = ["title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class ModuleForm(forms.Form):
    title = forms.CharField(max_length=200)
    topic = forms.ChoiceField(choices=Topic.choices)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), help_text="Markdown.")
    rule_version = forms.ModelChoiceField(
        queryset=RuleVersion.objects.filter(status=RuleVersion.Status.PUBLISHED)
        .select_related("rule_set").order_by("rule_set__name", "number"),
        required=False, help_text="Optional: the rule version this module teaches.")


class ExamForm(forms.ModelForm):
    PASS_MARKS = ("pass_mark_understanding_rules", "pass_mark_using_tools",
                  "pass_mark_identifying_risks", "pass_mark_data_security", "overall_pass_mark")

    class Meta:
        model = Exam
        fields = ["title", "description", "time_limit_minutes", "questions_per_ability",
                  "pass_mark_understanding_rules", "pass_mark_using_tools",
                  "pass_mark_identifying_risks", "pass_mark_data_security",
                  "overall_pass_mark", "show_explanations"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"time_limit_minutes": "From 5 to 240.",
                      "questions_per_ability": "Drawn at random for each of the four abilities; "
                                               "from 1 to 50."}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        floor = settings.EXAM_PASS_MARK_FLOOR
        for name in self.PASS_MARKS:
            self.fields[name].help_text = f"Percent, from {floor} to 100."


class QuestionForm(forms.Form):
    ability = forms.ChoiceField(choices=Ability.choices)
    kind = forms.ChoiceField(choices=Question.Kind.choices)
    prompt = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    options = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text="Choice questions: one option a line.")
    key = forms.CharField(help_text="Choice questions: the numbers of the correct options, "
                                    "from 1, comma-separated. Practical: the risk codes "
                                    "present, comma-separated (empty for none).",
                          required=False)
    sample_text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text="Practical questions: the sample to judge.")
    sample_image = forms.FileField(required=False, help_text="Practical questions: an image "
                                                             "sample (PNG, JPEG, GIF or WebP, "
                                                             "at most 5 MB).")
    explanation = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    IMAGE_SIGNATURES = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpeg", b"GIF87a": "gif",
                        b"GIF89a": "gif"}

    def clean_sample_image(self):
        upload = self.cleaned_data.get("sample_image")
        if not upload:
            return None
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError("The image is larger than 5 MB.")
        head = upload.read(16)
        upload.seek(0)
        is_webp = head[:4] == b"RIFF" and head[8:12] == b"WEBP"
        if not is_webp and not any(head.startswith(sig) for sig in self.IMAGE_SIGNATURES):
            raise forms.ValidationError("Upload a PNG, JPEG, GIF or WebP image.")
        return upload

    def clean(self):
        data = super().clean()
        options = [line.strip() for line in data.get("options", "").splitlines()
                   if line.strip()]
        raw_key = [part.strip() for part in data.get("key", "").split(",") if part.strip()]
        if data.get("kind") == Question.Kind.PRACTICAL:
            data["key"] = raw_key
        else:
            try:
                data["key"] = [int(part) - 1 for part in raw_key]
            except ValueError:
                self.add_error("key", "Give option numbers, like 1 or 1, 3.")
        data["options"] = options
        return data


class PolicyForm(forms.ModelForm):
    class Meta:
        model = CredentialPolicy
        fields = ["course", "exam", "validity_days", "retraining_interval_days",
                  "reassessment_interval_days", "grace_days", "max_attempts", "cooldown_hours",
                  "revocation_wait_days", "expiry_notice_days"]
        help_texts = {
            "validity_days": "From 30 to 1095 days.",
            "retraining_interval_days": "From 7 days to the validity.",
            "reassessment_interval_days": "From 7 days to the validity.",
            "grace_days": "Days after a due date before the credential is suspended; 0 to 60.",
            "max_attempts": "Per completion of the training; 1 to 10.",
            "cooldown_hours": "Between attempts; 0 to 720.",
            "revocation_wait_days": "Before a revoked person may sit the exam again; 0 to 365.",
            "expiry_notice_days": "From 0 days to the validity.",
        }


# --- sign-in and account --------------------------------------------------------------------


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        max_length=32, label="Code",
        help_text="The 6-digit code your authenticator app shows now, or a recovery code.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "autocapitalize": "none", "spellcheck": "false"}))


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label="Current password", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password = forms.CharField(
        label="New password", strip=False,
        help_text="At least 10 characters, not a common password, not about you.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    new_password_again = forms.CharField(
        label="New password again", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self) -> dict:
        data = super().clean()
        if data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again",
                           "This is not the same as the new password; type it again.")
        return data
