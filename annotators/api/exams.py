"""The workforce API for exams: exams and their question pools (managers), and attempts.

Exam keys never leave the server through an attempt: the attempt's questions carry no key,
before or after grading.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import paginated_response

from .. import selectors, services
from ..models import Ability, CredentialKind, Exam, ExamAttempt, Question
from .common import ManagesWorkforce, bounded_integer


class ExamSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    time_limit_minutes = bounded_integer(Exam, "time_limit_minutes", default=30)
    questions_per_ability = bounded_integer(Exam, "questions_per_ability", default=5)
    pass_mark_understanding_rules = bounded_integer(Exam, "pass_mark_understanding_rules",
                                                     default=70)
    pass_mark_using_tools = bounded_integer(Exam, "pass_mark_using_tools", default=70)
    pass_mark_identifying_risks = bounded_integer(Exam, "pass_mark_identifying_risks",
                                                   default=70)
    pass_mark_data_security = bounded_integer(Exam, "pass_mark_data_security", default=70)
    overall_pass_mark = bounded_integer(Exam, "overall_pass_mark", default=80)
    show_explanations = serializers.BooleanField(default=True)
    shortfalls = serializers.SerializerMethodField(
        help_text="Abilities with fewer active questions than an attempt draws; while any is "
                  "listed, the exam cannot be required or taken.")

    def get_shortfalls(self, exam) -> list[str]:
        return [str(shortfall) for shortfall in selectors.exam_shortfalls(exam=exam)]


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
        exam = selectors.exam_get(exam_id=exam_id)
        return paginated_response(self, request, selectors.exam_question_list(exam=exam),
                                  QuestionSerializer)

    @extend_schema(request=QuestionSerializer, responses={201: QuestionSerializer},
                   summary="Add a question to the pool")
    def post(self, request: Request, exam_id: int) -> Response:
        selectors.exam_get(exam_id=exam_id)
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
        services.attempt_grade_if_due(attempt=attempt)
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
