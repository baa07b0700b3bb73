from django.urls import path

from . import api, views
from .audit_urls import api_urlpatterns as audit_api_urlpatterns
from .audit_urls import urlpatterns as audit_urlpatterns

app_name = "compliance"

urlpatterns = [
    path("", views.home, name="home"),
    path("report/", views.report, name="report"),
    path("report/report.pdf", views.report_pdf, name="report-pdf"),
    path("report/report.zip", views.report_csv, name="report-csv"),
    path("report/snapshots/", views.snapshot_list, name="snapshot-list"),
    path("report/snapshots/new/", views.snapshot_create, name="snapshot-create"),
    path("report/snapshots/<int:snapshot_id>/", views.snapshot_detail, name="snapshot-detail"),
    path("report/snapshots/<int:snapshot_id>/snapshot.<str:extension>",
         views.snapshot_download, name="snapshot-download"),
    *audit_urlpatterns,
]

api_urlpatterns = [
    path("compliance/report/", api.ReportApi.as_view(), name="report"),
    path("compliance/snapshots/", api.SnapshotListApi.as_view(), name="snapshot-list"),
    path("compliance/snapshots/<int:snapshot_id>/", api.SnapshotDetailApi.as_view(),
         name="snapshot-detail"),
    *audit_api_urlpatterns,
]
