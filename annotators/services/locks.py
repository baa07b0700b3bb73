"""Row locks of the workforce, one helper per model.

Each takes the lock on the model's own rows only (``of=("self",)``): a ``select_related`` join
would otherwise lock the joined rows too, and an answer to one exam would queue every other
candidate of that exam behind it. Each orders by primary key, so that two transactions that
lock several rows take them in one order and never wait for each other in a circle.
"""

from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..models import (
    ApiToken,
    Assignment,
    Course,
    Credential,
    CredentialPolicy,
    ExamAttempt,
    ModuleProgress,
    TrainingRecord,
)


def credential_qs_select_for_update() -> QuerySet[Credential]:
    return Credential.objects.select_for_update(of=("self",)).order_by("pk")


def assignment_qs_select_for_update() -> QuerySet[Assignment]:
    return Assignment.objects.select_for_update(of=("self",)).order_by("pk")


def attempt_qs_select_for_update() -> QuerySet[ExamAttempt]:
    return ExamAttempt.objects.select_for_update(of=("self",)).order_by("pk")


def course_qs_select_for_update() -> QuerySet[Course]:
    return Course.objects.select_for_update(of=("self",)).order_by("pk")


def policy_qs_select_for_update() -> QuerySet[CredentialPolicy]:
    return CredentialPolicy.objects.select_for_update(of=("self",)).order_by("pk")


def training_record_qs_select_for_update() -> QuerySet[TrainingRecord]:
    return TrainingRecord.objects.select_for_update(of=("self",)).order_by("pk")


def module_progress_qs_select_for_update() -> QuerySet[ModuleProgress]:
    return ModuleProgress.objects.select_for_update(of=("self",)).order_by("pk")


def api_token_qs_select_for_update() -> QuerySet[ApiToken]:
    return ApiToken.objects.select_for_update(of=("self",)).order_by("pk")


def person_qs_select_for_update() -> QuerySet:
    return get_user_model().objects.select_for_update(of=("self",)).order_by("pk")


def access_attempt_qs_select_for_update() -> QuerySet[AccessAttempt]:
    return AccessAttempt.objects.select_for_update(of=("self",)).order_by("pk")


def totp_device_qs_select_for_update() -> QuerySet[TOTPDevice]:
    return TOTPDevice.objects.select_for_update(of=("self",)).order_by("pk")


def static_device_qs_select_for_update() -> QuerySet[StaticDevice]:
    return StaticDevice.objects.select_for_update(of=("self",)).order_by("pk")
