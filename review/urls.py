from django.urls import path

from . import views
from .api import checks, decisions, exports, quality, safety, samples

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
    path("batches/<int:batch_id>/sample/", views.batch_sample_draw, name="batch-sample-draw"),
    path("withdrawals/", views.withdrawal_list, name="withdrawal-list"),
    path("withdrawals/<int:decision_id>/", views.withdrawal_detail, name="withdrawal-detail"),
    path("exports/<int:export_id>/download/", views.export_download, name="export-download"),
]

api_urlpatterns = [
    path("tasks/<int:task_id>/samples/", samples.SampleListApi.as_view(), name="sample-list"),
    path("samples/<int:sample_id>/", samples.SampleDetailApi.as_view(), name="sample-detail"),
    path("tasks/<int:task_id>/sample-checks/next/", checks.SampleCheckNextApi.as_view(),
         name="sample-check-next"),
    path("sample-checks/<int:check_id>/verdict/", checks.SampleCheckVerdictApi.as_view(),
         name="sample-check-verdict"),
    path("tasks/<int:task_id>/batch-decisions/", decisions.DecisionListApi.as_view(),
         name="decision-list"),
    path("batch-decisions/<int:decision_id>/", decisions.DecisionDetailApi.as_view(),
         name="decision-detail"),
    path("tasks/<int:task_id>/safety-approvals/next/", safety.SafetyApprovalNextApi.as_view(),
         name="safety-approval-next"),
    path("safety-labels/<int:label_id>/approve/", safety.SafetyLabelApproveApi.as_view(),
         name="safety-label-approve"),
    path("safety-labels/<int:label_id>/reject/", safety.SafetyLabelRejectApi.as_view(),
         name="safety-label-reject"),
    path("safety-labels/<int:label_id>/escalate/", safety.SafetyLabelEscalateApi.as_view(),
         name="safety-label-escalate"),
    path("safety-labels/<int:label_id>/adjudicate/", safety.SafetyLabelAdjudicateApi.as_view(),
         name="safety-label-adjudicate"),
    path("safety-labels/escalated/", safety.EscalatedListApi.as_view(), name="escalated-list"),
    path("quality/", quality.QualityListApi.as_view(), name="quality-list"),
    path("quality/signals/", quality.QualitySignalListApi.as_view(), name="quality-signal-list"),
    path("quality/policies/", quality.QualityPolicyListApi.as_view(), name="quality-policy-list"),
    path("quality/policies/<str:kind>/", quality.QualityPolicyDetailApi.as_view(),
         name="quality-policy-detail"),
    path("tasks/<int:task_id>/exports/", exports.ExportListApi.as_view(), name="export-list"),
    path("batches/<int:batch_id>/sample/", samples.BatchSampleDrawApi.as_view(),
         name="batch-sample-draw"),
    path("withdrawals/", decisions.WithdrawalListApi.as_view(), name="withdrawal-list"),
    path("withdrawals/<int:decision_id>/labels/", decisions.WithdrawalLabelListApi.as_view(),
         name="withdrawal-labels"),
    path("exports/<int:export_id>/", exports.ExportDetailApi.as_view(), name="export-detail"),
    path("exports/<int:export_id>/download/", exports.ExportDownloadApi.as_view(),
         name="export-download"),
]
