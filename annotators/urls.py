from django.urls import path

from . import account_api, account_views, api, views

app_name = "workforce"

urlpatterns = [
    path("", views.my_workforce, name="mine"),
    path("courses/<int:course_id>/", views.course_detail, name="course-detail"),
    path("courses/<int:course_id>/start/", views.course_start, name="course-start"),
    path("modules/<int:module_id>/", views.module_detail, name="module-detail"),
    path("modules/<int:module_id>/confirm/", views.module_confirm, name="module-confirm"),
    path("exams/<str:kind>/start/", views.exam_start, name="exam-start"),
    path("attempts/<int:attempt_id>/", views.attempt_detail, name="attempt-detail"),
    path("attempts/<int:attempt_id>/submit/", views.attempt_submit, name="attempt-submit"),
    path("questions/<int:question_id>/image/", views.question_image, name="question-image"),
    path("people/", views.people, name="people"),
    path("people/<int:user_id>/", views.person_detail, name="person-detail"),
    path("people/schedule-retraining/", views.schedule_retraining, name="schedule-retraining"),
    path("people/<int:user_id>/unlock/", account_views.person_unlock, name="person-unlock"),
    path("people/<int:user_id>/two-factor/reset/", account_views.person_two_factor_reset,
         name="person-two-factor-reset"),
    path("people/<int:user_id>/tokens/revoke-all/", account_views.person_tokens_revoke_all,
         name="person-tokens-revoke-all"),
    path("people/<int:user_id>/tokens/<int:token_id>/revoke/",
         account_views.person_token_revoke, name="person-token-revoke"),
    path("credentials/<int:credential_id>/<str:action>/", views.credential_action,
         name="credential-action"),
    path("manage/courses/", views.course_list, name="course-list"),
    path("manage/courses/<int:course_id>/", views.course_edit, name="course-edit"),
    path("manage/exams/", views.exam_list, name="exam-list"),
    path("manage/exams/<int:exam_id>/", views.exam_edit, name="exam-edit"),
    path("manage/policies/", views.policy_list, name="policy-list"),
    path("manage/policies/<str:kind>/", views.policy_edit, name="policy-edit"),
]

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

# /accounts/: a person's own sign-in, password, two-factor setup and API tokens.
account_urlpatterns = [
    path("", account_views.account, name="home"),
    path("password/", account_views.password_change, name="password-change"),
    path("two-factor/", account_views.two_factor_verify, name="two-factor-verify"),
    path("two-factor/setup/", account_views.two_factor_enrol, name="two-factor-enrol"),
    path("tokens/<int:token_id>/revoke/", account_views.token_revoke, name="token-revoke"),
    path("tokens/revoke-all/", account_views.tokens_revoke_all, name="tokens-revoke-all"),
]

# /api/v1/auth/: obtain, list and revoke API tokens (names in the ``api`` namespace).
auth_api_urlpatterns = [
    path("token/", account_api.TokenObtainApi.as_view(), name="auth-token"),
    path("tokens/", account_api.TokenListApi.as_view(), name="auth-token-list"),
    path("tokens/<int:token_id>/revoke/", account_api.TokenRevokeApi.as_view(),
         name="auth-token-revoke"),
    path("tokens/revoke-all/", account_api.TokenRevokeAllApi.as_view(),
         name="auth-token-revoke-all"),
    path("people/<int:user_id>/tokens/", account_api.PersonTokenListApi.as_view(),
         name="auth-person-token-list"),
    path("people/<int:user_id>/tokens/revoke-all/",
         account_api.PersonTokenRevokeAllApi.as_view(), name="auth-person-token-revoke-all"),
]
