from django.urls import path

from . import api, views

app_name = "review"

urlpatterns = [
    path("", views.home, name="home"),
    path("tasks/<int:task_id>/checks/", views.check_queue, name="check-queue"),
    path("tasks/<int:task_id>/approvals/", views.approval_queue, name="approval-queue"),
    path("escalated/", views.escalated, name="escalated"),
    path("tasks/<int:task_id>/batches/", views.batch_board, name="batch-board"),
    path("samples/<int:sample_id>/", views.sample_detail, name="sample-detail"),
    path("decisions/<int:decision_id>/", views.decision_detail, name="decision-detail"),
    path("quality/", views.quality_list, name="quality-list"),
    path("quality/<int:user_id>/", views.quality_person, name="quality-person"),
    path("tasks/<int:task_id>/exports/", views.export_page, name="export-page"),
    path("exports/<int:export_id>/download/", views.export_download, name="export-download"),
]

api_urlpatterns = [
    path("tasks/<int:task_id>/samples/", api.SampleListApi.as_view(), name="sample-list"),
    path("samples/<int:sample_id>/", api.SampleDetailApi.as_view(), name="sample-detail"),
    path("tasks/<int:task_id>/sample-checks/next/", api.SampleCheckNextApi.as_view(),
         name="sample-check-next"),
    path("sample-checks/<int:check_id>/verdict/", api.SampleCheckVerdictApi.as_view(),
         name="sample-check-verdict"),
    path("tasks/<int:task_id>/batch-decisions/", api.DecisionListApi.as_view(),
         name="decision-list"),
    path("batch-decisions/<int:decision_id>/", api.DecisionDetailApi.as_view(),
         name="decision-detail"),
    path("tasks/<int:task_id>/safety-approvals/next/", api.SafetyApprovalNextApi.as_view(),
         name="safety-approval-next"),
    path("safety-labels/<int:label_id>/approve/", api.SafetyLabelApproveApi.as_view(),
         name="safety-label-approve"),
    path("safety-labels/<int:label_id>/reject/", api.SafetyLabelRejectApi.as_view(),
         name="safety-label-reject"),
    path("safety-labels/<int:label_id>/escalate/", api.SafetyLabelEscalateApi.as_view(),
         name="safety-label-escalate"),
    path("safety-labels/<int:label_id>/adjudicate/", api.SafetyLabelAdjudicateApi.as_view(),
         name="safety-label-adjudicate"),
    path("safety-labels/escalated/", api.EscalatedListApi.as_view(), name="escalated-list"),
    path("quality/", api.QualityListApi.as_view(), name="quality-list"),
    path("quality/signals/", api.QualitySignalListApi.as_view(), name="quality-signal-list"),
    path("quality/policies/", api.QualityPolicyListApi.as_view(), name="quality-policy-list"),
    path("quality/policies/<str:kind>/", api.QualityPolicyDetailApi.as_view(),
         name="quality-policy-detail"),
    path("tasks/<int:task_id>/exports/", api.ExportListApi.as_view(), name="export-list"),
    path("exports/<int:export_id>/", api.ExportDetailApi.as_view(), name="export-detail"),
    path("exports/<int:export_id>/download/", api.ExportDownloadApi.as_view(),
         name="export-download"),
]
