"""The audit trail's pages (included under the ``compliance`` namespace, at /manage/) and its
API (under ``api:compliance``, at /api/v1/)."""

from django.urls import path

from . import audit_api, audit_views

urlpatterns = [
    path("audit/", audit_views.audit_list, name="audit-list"),
    path("audit/events.csv", audit_views.audit_csv, name="audit-csv"),
]

api_urlpatterns = [
    path("audit-events/", audit_api.AuditEventListApi.as_view(), name="audit-event-list"),
    path("audit-chain/", audit_api.AuditChainApi.as_view(), name="audit-chain"),
]
