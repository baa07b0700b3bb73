"""Reads of the workforce: roles, credentials, attempts, training, assignments."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, Exists, Max, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.errors import NotFound

from .models import (
    GROUP_FOR_ROLE,
    Ability,
    ApiToken,
    Assignment,
    AttemptAnswer,
    Credential,
    CredentialEvent,
    CredentialPolicy,
    Exam,
    ExamAttempt,
    Question,
    Role,
    TrainingRecord,
)

ROLE_FOR_GROUP = {group: role for role, group in GROUP_FOR_ROLE.items()}
HOME_VIEW_FOR_ROLE = {
    Role.MANAGER: "compliance:home",
    Role.COMPLIANCE_OFFICER: "compliance:report",
    Role.REVIEWER: "review:home",
    Role.ANNOTATOR: "annotation:home",
}


def user_roles(user: AbstractBaseUser) -> frozenset[Role]:
    """Return the user's roles, read once per user object. A superuser is a manager."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_roles_cache", None)
    if cached is None:
        names = user.groups.filter(name__in=ROLE_FOR_GROUP).values_list("name", flat=True)
        cached = frozenset(ROLE_FOR_GROUP[name] for name in names)
        if user.is_superuser:
            cached |= {Role.MANAGER}
        user._roles_cache = cached
    return cached


def user_is_manager(user: AbstractBaseUser) -> bool:
    return Role.MANAGER in user_roles(user)


def home_url_for(user: AbstractBaseUser) -> str:
    """Return the home page of the user's highest role; annotators' work is the default."""
    roles = user_roles(user)
    for role in (Role.MANAGER, Role.COMPLIANCE_OFFICER, Role.REVIEWER, Role.ANNOTATOR):
        if role in roles:
            return reverse(HOME_VIEW_FOR_ROLE[role])
    return reverse(HOME_VIEW_FOR_ROLE[Role.ANNOTATOR])


# --- workforce ------------------------------------------------------------------------------

MANAGE_WORKFORCE = "annotators.manage_workforce"


def can_manage_workforce(user: AbstractBaseUser) -> bool:
    return user.is_authenticated and user.has_perm(MANAGE_WORKFORCE)


def has_active_credential(user: AbstractBaseUser, kind: str) -> bool:
    """Whether ``user`` holds an active, unexpired credential of ``kind`` right now.

    Every action elsewhere calls this at the moment it happens, so a suspension takes effect
    on the very next request.
    """
    return Credential.objects.filter(user_id=user.pk, kind=kind, status=Credential.Status.ACTIVE,
                                     expires_at__gt=timezone.now()).exists()


# Beyond ten years a window asks about no credential this system issues.
EXPIRING_WITHIN_DAYS_MAX = 3650


def credential_list_for_actor(*, actor: AbstractBaseUser, kind: str = "", status: str = "",
                              expiring_within_days: int | None = None,
                              search: str = "") -> QuerySet[Credential]:
    """Credentials the actor may see (their own, or everyone's for managers), filtered."""
    credentials = Credential.objects.select_related("user").order_by("expires_at", "pk")
    if not can_manage_workforce(actor):
        credentials = credentials.filter(user_id=actor.pk)
    if kind:
        credentials = credentials.filter(kind=kind)
    if status:
        credentials = credentials.filter(status=status)
    if expiring_within_days is not None:
        credentials = credentials.filter(
            status__in=[Credential.Status.ACTIVE, Credential.Status.SUSPENDED],
            expires_at__lte=timezone.now() + timedelta(days=expiring_within_days))
    if search:
        credentials = credentials.filter(
            Q(user__username__icontains=search) | Q(user__first_name__icontains=search)
            | Q(user__last_name__icontains=search) | Q(user__email__icontains=search))
    return credentials


def credential_get_for_actor(*, actor: AbstractBaseUser, credential_id: int) -> Credential:
    credential = credential_list_for_actor(actor=actor).filter(pk=credential_id).first()
    if credential is None:
        raise Http404("No such credential.")
    return credential


def credential_history(credential: Credential) -> QuerySet[CredentialEvent]:
    return credential.history.select_related("actor").order_by("created_at", "pk")


@dataclass(frozen=True)
class ExamShortfall:
    """An ability for which an exam has fewer active questions than an attempt draws."""

    exam_title: str
    ability: str
    active: int
    draws: int

    @property
    def missing(self) -> int:
        return self.draws - self.active

    def describe(self) -> str:
        label = Ability(self.ability).label
        noun = "question" if self.active == 1 else "questions"
        return (f"Exam {self.exam_title!r} has {self.active} active {noun} for "
                f"{label[0].lower()}{label[1:]} but draws {self.draws}")

    def __str__(self) -> str:
        return f"{self.describe()}; add {self.missing} more before using it."


def _active_question_counts() -> dict[str, Count]:
    return {f"active_questions_{ability}": Count(
        "questions", filter=Q(questions__ability=ability, questions__active=True))
        for ability in Ability.values}


def exam_list() -> QuerySet[Exam]:
    """Every exam by title, each counting its active questions per ability in the same query,
    so that ``exam_shortfalls`` of a listed exam asks nothing more."""
    return Exam.objects.annotate(**_active_question_counts()).order_by("title")


def exam_shortfalls(exam: Exam) -> list[ExamShortfall]:
    """The abilities for which ``exam`` has fewer active questions than an attempt draws."""
    names = {ability: f"active_questions_{ability}" for ability in Ability.values}
    if all(hasattr(exam, name) for name in names.values()):
        counts = {ability: getattr(exam, name) for ability, name in names.items()}
    else:
        counts = dict(exam.questions.filter(active=True).order_by().values_list("ability")
                      .annotate(count=Count("pk")))
    return [ExamShortfall(exam_title=exam.title, ability=ability,
                          active=counts.get(ability, 0), draws=exam.questions_per_ability)
            for ability in Ability.values
            if counts.get(ability, 0) < exam.questions_per_ability]


def attempt_list_for_actor(*, actor: AbstractBaseUser,
                           user_id: int | None = None) -> QuerySet[ExamAttempt]:
    attempts = ExamAttempt.objects.select_related("exam", "user").order_by("-started_at")
    if not can_manage_workforce(actor):
        return attempts.filter(user_id=actor.pk)
    return attempts.filter(user_id=user_id) if user_id else attempts


def attempt_get_for_actor(*, actor: AbstractBaseUser, attempt_id: int) -> ExamAttempt:
    attempt = attempt_list_for_actor(actor=actor).filter(pk=attempt_id).first()
    if attempt is None:
        raise Http404("No such exam attempt.")
    return attempt


def attempt_questions(attempt: ExamAttempt) -> list[tuple[Question, AttemptAnswer | None]]:
    """The attempt's questions in drawn order, each with the answer given so far."""
    questions = {q.pk: q for q in Question.objects.filter(pk__in=attempt.question_ids)}
    answers = {a.question_id: a for a in attempt.answers.all()}
    return [(questions[pk], answers.get(pk)) for pk in attempt.question_ids]


def assignment_list_for_actor(*, actor: AbstractBaseUser,
                              status: str = "") -> QuerySet[Assignment]:
    assignments = Assignment.objects.select_related("user", "course").order_by("due_date", "pk")
    if not can_manage_workforce(actor):
        assignments = assignments.filter(user_id=actor.pk)
    return assignments.filter(status=status) if status else assignments


def training_overview(*, user: AbstractBaseUser) -> list[dict]:
    """For each course a policy requires: the kinds it leads to, and the person's progress."""
    policies = CredentialPolicy.objects.select_related("course").exclude(course=None)
    by_course: dict[int, dict] = {}
    for policy in policies:
        entry = by_course.setdefault(policy.course_id, {"course": policy.course, "kinds": []})
        entry["kinds"].append(policy.get_kind_display())
    for entry in by_course.values():
        records = TrainingRecord.objects.filter(user_id=user.pk, course=entry["course"])
        entry["open"] = records.filter(completed_at__isnull=True).first()
        entry["completed"] = records.filter(completed_at__isnull=False).order_by(
            "-completed_at").first()
    return list(by_course.values())


def person_list_for_manager(*, search: str = "") -> QuerySet:
    people = get_user_model().objects.order_by("username").prefetch_related(
        Prefetch("credentials", queryset=Credential.objects.order_by("kind")))
    if search:
        people = people.filter(Q(username__icontains=search) | Q(first_name__icontains=search)
                               | Q(last_name__icontains=search))
    return people


def training_record_list_for_actor(*, actor: AbstractBaseUser) -> QuerySet[TrainingRecord]:
    records = TrainingRecord.objects.select_related("user", "course").order_by("-started_at")
    return records if can_manage_workforce(actor) else records.filter(user_id=actor.pk)


def question_visible_to(*, user: AbstractBaseUser, question_id: int) -> bool:
    """Managers see every question; a worker only those drawn into their own attempts."""
    if can_manage_workforce(user):
        return True
    drawn = ExamAttempt.objects.filter(user_id=user.pk).values_list("question_ids", flat=True)
    return any(question_id in ids for ids in drawn)


def active_credential_exists(*, user_ref, kind: str) -> Exists:
    """A subquery expression: the user (an ``OuterRef`` or id) holds an active, unexpired
    credential of ``kind`` now. Lets a caller fold this check into its own query."""
    return Exists(Credential.objects.filter(user_id=user_ref, kind=kind,
                                            status=Credential.Status.ACTIVE,
                                            expires_at__gt=timezone.now()))


# --- sign-in --------------------------------------------------------------------------------


def two_factor_required(user: AbstractBaseUser) -> bool:
    """Whether ``user`` must give a second factor to sign in: managers, compliance officers
    and staff, while ``REQUIRE_TWO_FACTOR`` is on."""
    if not settings.REQUIRE_TWO_FACTOR or not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return bool(user_roles(user) & {Role.MANAGER, Role.COMPLIANCE_OFFICER})


def two_factor_enrolled(user: AbstractBaseUser) -> bool:
    """Whether ``user`` has confirmed an authenticator app."""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def recovery_codes_left(user: AbstractBaseUser) -> int:
    return StaticToken.objects.filter(device__user_id=user.pk, device__confirmed=True).count()


class TokenNotFound(NotFound):
    code = "token_not_found"


def api_token_list_for_actor(*, actor: AbstractBaseUser,
                             user_id: int | None = None) -> QuerySet[ApiToken]:
    """Live API tokens the actor may see: their own, or, for managers, anyone's (all, or
    ``user_id``'s). Never the secret: only ids, names and times are meant to leave."""
    tokens = ApiToken.objects.filter(expiry__gt=timezone.now()).select_related("user").order_by(
        "-created", "-id")
    if user_id is not None and (user_id == actor.pk or can_manage_workforce(actor)):
        return tokens.filter(user_id=user_id)
    if user_id is not None:
        return tokens.none()
    return tokens if can_manage_workforce(actor) else tokens.filter(user_id=actor.pk)


def api_token_get_for_actor(*, actor: AbstractBaseUser, token_id: int) -> ApiToken:
    """A live token the actor may revoke: their own, or anyone's for managers.

    :raises TokenNotFound: for a token that does not exist, has expired, or is someone
        else's (the three are not told apart).
    """
    token = api_token_list_for_actor(actor=actor).filter(pk=token_id).first()
    if token is None:
        raise TokenNotFound(f"There is no live API token {token_id} of yours; it may have "
                            "expired or been revoked already.")
    return token


@dataclass(frozen=True)
class SignInLockout:
    """Failed sign-ins that count towards a lockout now, for an account or an address."""

    failures: int
    limit: int
    last_failure_at: datetime | None
    cool_off: timedelta | None

    @property
    def locked(self) -> bool:
        return self.failures >= self.limit

    @property
    def until(self) -> datetime | None:
        if not self.locked or self.last_failure_at is None or self.cool_off is None:
            return None
        return self.last_failure_at + self.cool_off

    @property
    def minutes_left(self) -> int | None:
        if self.until is None:
            return None
        return max(1, ceil((self.until - timezone.now()) / timedelta(minutes=1)))


def _failures_since(attempts: QuerySet, limit: int, cool_off: timedelta | None,
                    now: datetime | None) -> SignInLockout:
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=(now or timezone.now()) - cool_off)
    totals = attempts.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    return SignInLockout(failures=totals["failures"] or 0, limit=limit,
                         last_failure_at=totals["last"], cool_off=cool_off)


def account_lockout(*, username: str, now: datetime | None = None) -> SignInLockout:
    """Failed sign-ins to the account ``username`` within the cool-off, from any address."""
    return _failures_since(AccessAttempt.objects.filter(username=username),
                           settings.AXES_FAILURE_LIMIT, sign_in_cool_off(), now)


def address_lockout(*, ip_address: str | None, now: datetime | None = None) -> SignInLockout:
    """Failed sign-ins from ``ip_address`` within the cool-off, to any account."""
    attempts = AccessAttempt.objects.filter(ip_address=ip_address) if ip_address \
        else AccessAttempt.objects.none()
    return _failures_since(attempts, settings.LOGIN_ADDRESS_FAILURE_LIMIT, sign_in_cool_off(),
                           now)


def sign_in_cool_off() -> timedelta | None:
    cool_off = settings.AXES_COOLOFF_TIME
    if cool_off is None or isinstance(cool_off, timedelta):
        return cool_off
    return timedelta(hours=cool_off)
