"""The workforce API: training, exams and attempts, credentials, assignments, policies.

Workers see only their own records; managers see everyone's. Exam keys never leave the
server through an attempt: the attempt's questions carry no key, before or after grading.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import paginated_response, permission_to_write

from . import selectors, services
from .models import (
    Ability,
    Course,
    CredentialKind,
    CredentialPolicy,
    Exam,
    ExamAttempt,
    Module,
    Question,
    Topic,
)
from .services.common import MANAGE_WORKFORCE

ManagesWorkforceToWrite = permission_to_write(
    MANAGE_WORKFORCE, "Only managers may train, examine and credential people.")


class ManagesWorkforce(BasePermission):
    message = "Only managers may see this."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated
                    and request.user.has_perm(MANAGE_WORKFORCE))


# --- training -------------------------------------------------------------------------------


class ModuleSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    position = serializers.IntegerField(read_only=True)
    title = serializers.CharField(max_length=200)
    topic = serializers.ChoiceField(choices=Topic.choices)
    body = serializers.CharField()
    rule_version = serializers.IntegerField(source="rule_version_id", required=False,
                                            allow_null=True)


class CourseSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(read_only=True)
    modules = ModuleSerializer(many=True, read_only=True, source="modules.all")


class CourseListApi(APIView):
    permission_classes = [ManagesWorkforceToWrite]

    @extend_schema(responses=CourseSerializer(many=True), summary="Training courses")
    def get(self, request: Request) -> Response:
        courses = Course.objects.prefetch_related("modules").order_by("title")
        return paginated_response(self, request, courses, CourseSerializer)

    @extend_schema(request=CourseSerializer, responses={201: CourseSerializer},
                   summary="Create a course (then add modules)")
    def post(self, request: Request) -> Response:
        serializer = CourseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        course = services.course_create(actor=request.user, **serializer.validated_data)
        return Response(CourseSerializer(course).data, status=status.HTTP_201_CREATED)


class CourseDetailApi(APIView):
    @extend_schema(responses=CourseSerializer, summary="A course with its modules")
    def get(self, request: Request, course_id: int) -> Response:
        course = get_object_or_404(Course.objects.prefetch_related("modules"), pk=course_id)
        return Response(CourseSerializer(course).data)


class CourseModuleAddApi(APIView):
    permission_classes = [ManagesWorkforce]

    @extend_schema(request=ModuleSerializer, responses={201: ModuleSerializer},
                   summary="Append a module to a course")
    def post(self, request: Request, course_id: int) -> Response:
        get_object_or_404(Course, pk=course_id)
        serializer = ModuleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        module = services.module_add(actor=request.user, course_id=course_id,
                                     rule_version_id=data.pop("rule_version_id", None), **data)
        return Response(ModuleSerializer(module).data, status=status.HTTP_201_CREATED)


class TrainingRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.CharField(source="user.username")
    course = serializers.IntegerField(source="course_id")
    course_version = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)
    seconds_spent = serializers.IntegerField()


class CourseStartApi(APIView):
    @extend_schema(request=None, responses=TrainingRecordSerializer,
                   summary="Start (or resume) reading a course")
    def post(self, request: Request, course_id: int) -> Response:
        get_object_or_404(Course, pk=course_id)
        record = services.training_start(user=request.user, course_id=course_id)
        return Response(TrainingRecordSerializer(record).data)


class ModuleProgressSerializer(serializers.Serializer):
    module = serializers.IntegerField(source="module_id")
    opened_at = serializers.DateTimeField()
    confirmed_at = serializers.DateTimeField(allow_null=True)
    seconds_spent = serializers.IntegerField()


class ModuleOpenApi(APIView):
    @extend_schema(request=None, responses=ModuleProgressSerializer,
                   summary="Open a module: its reading time starts on the server")
    def post(self, request: Request, module_id: int) -> Response:
        get_object_or_404(Module, pk=module_id)
        progress = services.training_open_module(user=request.user, module_id=module_id)
        return Response(ModuleProgressSerializer(progress).data)


class ModuleConfirmApi(APIView):
    @extend_schema(request=None, responses=ModuleProgressSerializer,
                   summary="Confirm a module as read")
    def post(self, request: Request, module_id: int) -> Response:
        get_object_or_404(Module, pk=module_id)
        progress = services.training_confirm_module(user=request.user, module_id=module_id)
        return Response(ModuleProgressSerializer(progress).data)


class TrainingRecordListApi(APIView):
    @extend_schema(responses=TrainingRecordSerializer(many=True),
                   summary="Training records: your own, or everyone's for managers")
    def get(self, request: Request) -> Response:
        records = selectors.training_record_list_for_actor(actor=request.user)
        return paginated_response(self, request, records, TrainingRecordSerializer)


# --- exams ----------------------------------------------------------------------------------


def _bounded_integer(model, name: str, **kwargs) -> serializers.IntegerField:
    """An integer checked by the model field's own validators, so that the API refuses what
    the pages refuse, with the same messages."""
    return serializers.IntegerField(validators=model._meta.get_field(name).validators, **kwargs)


class ExamSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    time_limit_minutes = _bounded_integer(Exam, "time_limit_minutes", default=30)
    questions_per_ability = _bounded_integer(Exam, "questions_per_ability", default=5)
    pass_mark_understanding_rules = _bounded_integer(Exam, "pass_mark_understanding_rules",
                                                     default=70)
    pass_mark_using_tools = _bounded_integer(Exam, "pass_mark_using_tools", default=70)
    pass_mark_identifying_risks = _bounded_integer(Exam, "pass_mark_identifying_risks",
                                                   default=70)
    pass_mark_data_security = _bounded_integer(Exam, "pass_mark_data_security", default=70)
    overall_pass_mark = _bounded_integer(Exam, "overall_pass_mark", default=80)
    show_explanations = serializers.BooleanField(default=True)
    shortfalls = serializers.SerializerMethodField(
        help_text="Abilities with fewer active questions than an attempt draws; while any is "
                  "listed, the exam cannot be required or taken.")

    def get_shortfalls(self, exam) -> list[str]:
        return [str(shortfall) for shortfall in selectors.exam_shortfalls(exam)]


class ExamListApi(APIView):
    permission_classes = [ManagesWorkforce]

    @extend_schema(responses=ExamSerializer(many=True), summary="Exams (managers)")
    def get(self, request: Request) -> Response:
        return paginated_response(self, request, selectors.exam_list(), ExamSerializer)

    @extend_schema(request=ExamSerializer, responses={201: ExamSerializer},
                   summary="Create an exam (then add questions)")
    def post(self, request: Request) -> Response:
        serializer = ExamSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        exam = services.exam_create(actor=request.user, **serializer.validated_data)
        return Response(ExamSerializer(exam).data, status=status.HTTP_201_CREATED)


class QuestionSerializer(serializers.Serializer):
    """A question with its key: for managers only."""

    id = serializers.IntegerField(read_only=True)
    ability = serializers.ChoiceField(choices=Ability.choices)
    kind = serializers.ChoiceField(choices=Question.Kind.choices)
    prompt = serializers.CharField()
    options = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    key = serializers.ListField(child=serializers.JSONField(), required=False, default=list)
    sample_text = serializers.CharField(required=False, allow_blank=True, default="")
    explanation = serializers.CharField(required=False, allow_blank=True, default="")


class ExamQuestionListApi(APIView):
    permission_classes = [ManagesWorkforce]

    @extend_schema(responses=QuestionSerializer(many=True), summary="An exam's question pool")
    def get(self, request: Request, exam_id: int) -> Response:
        exam = get_object_or_404(Exam, pk=exam_id)
        return paginated_response(self, request, exam.questions.order_by("pk"), QuestionSerializer)

    @extend_schema(request=QuestionSerializer, responses={201: QuestionSerializer},
                   summary="Add a question to the pool")
    def post(self, request: Request, exam_id: int) -> Response:
        get_object_or_404(Exam, pk=exam_id)
        serializer = QuestionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        question = services.question_add(actor=request.user, exam_id=exam_id,
                                         **serializer.validated_data)
        return Response(QuestionSerializer(question).data, status=status.HTTP_201_CREATED)


class AttemptQuestionSerializer(serializers.Serializer):
    """What a candidate sees of a question: never its key."""

    id = serializers.IntegerField()
    ability = serializers.CharField()
    kind = serializers.CharField()
    prompt = serializers.CharField()
    options = serializers.ListField(child=serializers.CharField())
    sample_text = serializers.CharField()
    has_sample_image = serializers.SerializerMethodField()

    def get_has_sample_image(self, question) -> bool:
        return bool(question.sample_image)


class AttemptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.CharField(source="user.username")
    exam = serializers.CharField(source="exam.title")
    credential_kind = serializers.CharField()
    status = serializers.CharField()
    started_at = serializers.DateTimeField()
    deadline_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    overall_score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    passed = serializers.BooleanField(allow_null=True)
    ability_scores = serializers.JSONField()


class AttemptDetailSerializer(AttemptSerializer):
    questions = serializers.SerializerMethodField()

    def get_questions(self, attempt) -> list[dict]:
        graded = attempt.status == ExamAttempt.Status.GRADED
        explain = graded and attempt.exam.show_explanations
        rows = []
        for question, answer in selectors.attempt_questions(attempt):
            row = {**AttemptQuestionSerializer(question).data,
                   "response": answer.response if answer else None}
            if graded:
                row["score"] = str(answer.score) if answer and answer.score is not None else "0"
            if explain:
                row["explanation"] = question.explanation
            rows.append(row)
        return rows


class AttemptListApi(APIView):
    class AttemptStartInputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=CredentialKind.choices)

    @extend_schema(responses=AttemptSerializer(many=True),
                   summary="Exam attempts: your own, or everyone's for managers")
    def get(self, request: Request) -> Response:
        attempts = selectors.attempt_list_for_actor(actor=request.user)
        return paginated_response(self, request, attempts, AttemptSerializer)

    @extend_schema(request=AttemptStartInputSerializer, responses={201: AttemptDetailSerializer},
                   summary="Start an exam attempt for a credential kind")
    def post(self, request: Request) -> Response:
        serializer = self.AttemptStartInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attempt = services.attempt_start(user=request.user,
                                         kind=serializer.validated_data["kind"])
        return Response(AttemptDetailSerializer(attempt).data, status=status.HTTP_201_CREATED)


class AttemptDetailApi(APIView):
    @extend_schema(responses=AttemptDetailSerializer,
                   summary="An attempt: its questions (no keys), then its scores")
    def get(self, request: Request, attempt_id: int) -> Response:
        attempt = selectors.attempt_get_for_actor(actor=request.user, attempt_id=attempt_id)
        services.attempt_grade_if_due(attempt)
        return Response(AttemptDetailSerializer(attempt).data)


class AttemptAnswerApi(APIView):
    class AnswerInputSerializer(serializers.Serializer):
        question = serializers.IntegerField()
        response = serializers.JSONField()

    @extend_schema(request=AnswerInputSerializer, responses={200: None},
                   summary="Save or change one answer while time remains")
    def post(self, request: Request, attempt_id: int) -> Response:
        selectors.attempt_get_for_actor(actor=request.user, attempt_id=attempt_id)
        serializer = self.AnswerInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        answer = services.attempt_answer(user=request.user, attempt_id=attempt_id,
                                         question_id=serializer.validated_data["question"],
                                         response=serializer.validated_data["response"])
        return Response({"question": answer.question_id, "response": answer.response,
                         "answered_at": answer.answered_at})


class AttemptSubmitApi(APIView):
    @extend_schema(request=None, responses=AttemptDetailSerializer,
                   summary="Submit and grade (a late submission counts at the time limit)")
    def post(self, request: Request, attempt_id: int) -> Response:
        selectors.attempt_get_for_actor(actor=request.user, attempt_id=attempt_id)
        attempt = services.attempt_submit(user=request.user, attempt_id=attempt_id)
        return Response(AttemptDetailSerializer(attempt).data)


# --- credentials ----------------------------------------------------------------------------


class CredentialSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.CharField(source="user.username")
    user_id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField()
    issued_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    assessed_at = serializers.DateTimeField()
    suspension_cause = serializers.CharField()
    suspension_reason = serializers.CharField()
    suspended_until_date = serializers.DateField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)


class CredentialEventSerializer(serializers.Serializer):
    action = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class CredentialListApi(APIView):
    class CredentialFilterSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=CredentialKind.choices, required=False)
        status = serializers.ChoiceField(choices=["active", "suspended", "revoked", "expired"],
                                         required=False)
        expiring_within_days = serializers.IntegerField(
            min_value=0, max_value=selectors.EXPIRING_WITHIN_DAYS_MAX, required=False)
        search = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(parameters=[CredentialFilterSerializer],
                   responses=CredentialSerializer(many=True),
                   summary="Credentials: your own, or everyone's for managers; filterable")
    def get(self, request: Request) -> Response:
        filters = self.CredentialFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        credentials = selectors.credential_list_for_actor(actor=request.user,
                                                          **filters.validated_data)
        return paginated_response(self, request, credentials, CredentialSerializer)


class CredentialDetailApi(APIView):
    @extend_schema(responses=CredentialSerializer, summary="One credential")
    def get(self, request: Request, credential_id: int) -> Response:
        credential = selectors.credential_get_for_actor(actor=request.user,
                                                        credential_id=credential_id)
        return Response(CredentialSerializer(credential).data)


class CredentialHistoryApi(APIView):
    @extend_schema(responses=CredentialEventSerializer(many=True),
                   summary="Every transition of a credential, with actor, reason and time")
    def get(self, request: Request, credential_id: int) -> Response:
        credential = selectors.credential_get_for_actor(actor=request.user,
                                                        credential_id=credential_id)
        return paginated_response(self, request, selectors.credential_history(credential),
                          CredentialEventSerializer)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class SuspendSerializer(ReasonSerializer):
    until_date = serializers.DateField(required=False, allow_null=True)


def _credential_action(request: Request, credential_id: int, serializer_class, service):
    selectors.credential_get_for_actor(actor=request.user, credential_id=credential_id)
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    credential = service(actor=request.user, credential_id=credential_id,
                         **serializer.validated_data)
    return Response(CredentialSerializer(credential).data)


class CredentialSuspendApi(APIView):
    permission_classes = [ManagesWorkforce]

    @extend_schema(request=SuspendSerializer, responses=CredentialSerializer,
                   summary="Suspend, with a reason, optionally until a date")
    def post(self, request: Request, credential_id: int) -> Response:
        return _credential_action(request, credential_id, SuspendSerializer,
                                  services.credential_suspend)


class CredentialReinstateApi(APIView):
    permission_classes = [ManagesWorkforce]

    @extend_schema(request=ReasonSerializer, responses=CredentialSerializer,
                   summary="Reinstate a suspended credential")
    def post(self, request: Request, credential_id: int) -> Response:
        return _credential_action(request, credential_id, ReasonSerializer,
                                  services.credential_reinstate)


class CredentialRevokeApi(APIView):
    permission_classes = [ManagesWorkforce]

    @extend_schema(request=ReasonSerializer, responses=CredentialSerializer,
                   summary="Revoke for good")
    def post(self, request: Request, credential_id: int) -> Response:
        return _credential_action(request, credential_id, ReasonSerializer,
                                  services.credential_revoke)


# --- assignments and policies ---------------------------------------------------------------


class AssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.CharField(source="user.username")
    kind = serializers.CharField()
    type = serializers.CharField()
    source = serializers.CharField()
    course = serializers.IntegerField(source="course_id", allow_null=True)
    due_date = serializers.DateField()
    reason = serializers.CharField()
    evidence = serializers.JSONField()
    status = serializers.CharField()
    completed_at = serializers.DateTimeField(allow_null=True)


class AssignmentListApi(APIView):
    permission_classes = [ManagesWorkforceToWrite]

    class ScheduleInputSerializer(serializers.Serializer):
        user_ids = serializers.ListField(child=serializers.IntegerField(), min_length=1,
                                         max_length=500)
        kind = serializers.ChoiceField(choices=CredentialKind.choices)
        due_date = serializers.DateField()
        reason = serializers.CharField()
        course_id = serializers.IntegerField(required=False, allow_null=True)

    @extend_schema(responses=AssignmentSerializer(many=True),
                   summary="Retraining and reassessment owed: yours, or everyone's")
    def get(self, request: Request) -> Response:
        assignments = selectors.assignment_list_for_actor(
            actor=request.user, status=request.query_params.get("status", ""))
        return paginated_response(self, request, assignments, AssignmentSerializer)

    @extend_schema(request=ScheduleInputSerializer,
                   responses={201: AssignmentSerializer(many=True)},
                   summary="Schedule retraining for chosen people")
    def post(self, request: Request) -> Response:
        serializer = self.ScheduleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = services.assignment_schedule(actor=request.user, **serializer.validated_data)
        return Response(AssignmentSerializer(created, many=True).data,
                        status=status.HTTP_201_CREATED)


class PolicySerializer(serializers.Serializer):
    kind = serializers.CharField(read_only=True)
    course = serializers.PrimaryKeyRelatedField(queryset=Course.objects.all(), allow_null=True,
                                                required=False)
    exam = serializers.PrimaryKeyRelatedField(queryset=Exam.objects.all(), allow_null=True,
                                              required=False)
    validity_days = _bounded_integer(CredentialPolicy, "validity_days", required=False)
    retraining_interval_days = _bounded_integer(CredentialPolicy, "retraining_interval_days",
                                                required=False)
    reassessment_interval_days = _bounded_integer(CredentialPolicy,
                                                  "reassessment_interval_days", required=False)
    grace_days = _bounded_integer(CredentialPolicy, "grace_days", required=False)
    max_attempts = _bounded_integer(CredentialPolicy, "max_attempts", required=False)
    cooldown_hours = _bounded_integer(CredentialPolicy, "cooldown_hours", required=False)
    revocation_wait_days = _bounded_integer(CredentialPolicy, "revocation_wait_days",
                                            required=False)
    expiry_notice_days = _bounded_integer(CredentialPolicy, "expiry_notice_days",
                                          required=False)


class PolicyListApi(APIView):
    @extend_schema(responses=PolicySerializer(many=True), summary="The four credential policies")
    def get(self, request: Request) -> Response:
        policies = CredentialPolicy.objects.order_by("kind")
        return paginated_response(self, request, policies, PolicySerializer)


class PolicyDetailApi(APIView):
    permission_classes = [ManagesWorkforceToWrite]

    @extend_schema(responses=PolicySerializer, summary="One credential kind's policy")
    def get(self, request: Request, kind: str) -> Response:
        return Response(PolicySerializer(get_object_or_404(CredentialPolicy, kind=kind)).data)

    @extend_schema(request=PolicySerializer, responses=PolicySerializer,
                   summary="Change a policy (the course must cover the four topics)")
    def patch(self, request: Request, kind: str) -> Response:
        get_object_or_404(CredentialPolicy, kind=kind)
        serializer = PolicySerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        policy = services.policy_update(actor=request.user, kind=kind,
                                        changes=dict(serializer.validated_data))
        return Response(PolicySerializer(policy).data)
