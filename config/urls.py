from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required, login_required
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from annotation.urls import api_urlpatterns as annotation_api
from annotators.account_views import SignOutView
from annotators.urls import account_urlpatterns
from annotators.urls import api_urlpatterns as workforce_api
from annotators.urls import auth_api_urlpatterns as auth_api
from compliance import views as compliance_views
from compliance.urls import api_urlpatterns as compliance_api
from config import views
from config.api import api_not_found
from review.urls import api_urlpatterns as review_api
from rules.urls import api_urlpatterns as rules_api

# Swagger UI adds <style> elements at run time; styles only, and only on this page. A page for
# people: the signed-out are sent to sign in (the schema itself answers 401 to them).
api_docs = login_required(csp_update({"style-src": [UNSAFE_INLINE]})(
    SpectacularSwaggerSplitView.as_view(url_name="api-schema")))

api_v1 = [
    path("auth/", include(auth_api)),
    path("", include((rules_api, "rules"), namespace="rules")),
    path("", include((workforce_api, "workforce"), namespace="workforce")),
    path("", include((annotation_api, "annotation"), namespace="annotation")),
    path("", include((review_api, "review"), namespace="review")),
    path("", include((compliance_api, "compliance"), namespace="compliance")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.health, name="health"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True),
         name="login"),
    path("accounts/logout/", SignOutView.as_view(), name="logout"),
    path("accounts/", include((account_urlpatterns, "account"), namespace="account")),
    path("annotate/", include("annotation.urls")),
    path("review/", include("review.urls")),
    path("manage/", include("compliance.urls")),
    path("compliance/", compliance_views.report_elsewhere, name="compliance-report-elsewhere"),
    path("rules/", include("rules.urls")),
    path("workforce/", include("annotators.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
    re_path(r"^api/", login_not_required(api_not_found), name="api-not-found"),
]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
