from django.urls import path

from . import api

app_name = "workforce"

urlpatterns: list = []

api_urlpatterns = [
    path("courses/", api.CourseListApi.as_view(), name="course-list"),
    path("courses/<int:course_id>/", api.CourseDetailApi.as_view(), name="course-detail"),
    path("courses/<int:course_id>/modules/", api.CourseModuleAddApi.as_view(),
         name="course-module-add"),
    path("courses/<int:course_id>/start/", api.CourseStartApi.as_view(), name="course-start"),
    path("modules/<int:module_id>/open/", api.ModuleOpenApi.as_view(), name="module-open"),
    path("modules/<int:module_id>/confirm/", api.ModuleConfirmApi.as_view(),
         name="module-confirm"),
    path("training-records/", api.TrainingRecordListApi.as_view(), name="training-record-list"),
    path("exams/", api.ExamListApi.as_view(), name="exam-list"),
    path("exams/<int:exam_id>/questions/", api.ExamQuestionListApi.as_view(),
         name="exam-question-list"),
    path("attempts/", api.AttemptListApi.as_view(), name="attempt-list"),
    path("attempts/<int:attempt_id>/", api.AttemptDetailApi.as_view(), name="attempt-detail"),
    path("attempts/<int:attempt_id>/answers/", api.AttemptAnswerApi.as_view(),
         name="attempt-answer"),
    path("attempts/<int:attempt_id>/submit/", api.AttemptSubmitApi.as_view(),
         name="attempt-submit"),
    path("credentials/", api.CredentialListApi.as_view(), name="credential-list"),
    path("credentials/<int:credential_id>/", api.CredentialDetailApi.as_view(),
         name="credential-detail"),
    path("credentials/<int:credential_id>/history/", api.CredentialHistoryApi.as_view(),
         name="credential-history"),
    path("credentials/<int:credential_id>/suspend/", api.CredentialSuspendApi.as_view(),
         name="credential-suspend"),
    path("credentials/<int:credential_id>/reinstate/", api.CredentialReinstateApi.as_view(),
         name="credential-reinstate"),
    path("credentials/<int:credential_id>/revoke/", api.CredentialRevokeApi.as_view(),
         name="credential-revoke"),
    path("assignments/", api.AssignmentListApi.as_view(), name="assignment-list"),
    path("policies/", api.PolicyListApi.as_view(), name="policy-list"),
    path("policies/<str:kind>/", api.PolicyDetailApi.as_view(), name="policy-detail"),
]
