from django.urls import path

from . import api, views

app_name = "rules"

urlpatterns = [
    path("", views.rule_set_list, name="rule-set-list"),
    path("new/", views.rule_set_create, name="rule-set-create"),
    path("import/", views.rule_version_import, name="rule-version-import"),
    path("risk-categories/", views.risk_category_list, name="risk-category-list"),
    path("<int:rule_set_id>/", views.rule_set_detail, name="rule-set-detail"),
    path("versions/<int:version_id>/", views.rule_version_detail, name="rule-version-detail"),
    path("versions/<int:version_id>/edit/", views.rule_version_edit, name="rule-version-edit"),
    path("versions/<int:version_id>/risks/<str:code>/", views.risk_rule_edit,
         name="risk-rule-edit"),
    path("versions/<int:version_id>/publish/", views.rule_version_publish,
         name="rule-version-publish"),
    path("versions/<int:version_id>/retire/", views.rule_version_retire,
         name="rule-version-retire"),
    path("versions/<int:version_id>/new-draft/", views.rule_version_new_draft,
         name="rule-version-new-draft"),
    path("versions/<int:version_id>/acknowledge/", views.rule_version_acknowledge,
         name="rule-version-acknowledge"),
    path("versions/<int:version_id>/diff/", views.rule_version_diff, name="rule-version-diff"),
    path("versions/<int:version_id>/export.json", views.rule_version_export,
         name="rule-version-export"),
]

api_urlpatterns = [
    path("risk-categories/", api.RiskCategoryListApi.as_view(), name="risk-category-list"),
    path("risk-categories/<str:code>/", api.RiskCategoryDetailApi.as_view(),
         name="risk-category-detail"),
    path("rule-sets/", api.RuleSetListApi.as_view(), name="rule-set-list"),
    path("rule-sets/import/", api.RuleVersionImportApi.as_view(), name="rule-version-import"),
    path("rule-sets/<int:rule_set_id>/", api.RuleSetDetailApi.as_view(), name="rule-set-detail"),
    path("rule-sets/<int:rule_set_id>/versions/", api.RuleSetVersionListApi.as_view(),
         name="rule-set-versions"),
    path("rule-versions/<int:version_id>/", api.RuleVersionDetailApi.as_view(),
         name="rule-version-detail"),
    path("rule-versions/<int:version_id>/risk-rules/<str:code>/", api.RiskRuleApi.as_view(),
         name="risk-rule"),
    path("rule-versions/<int:version_id>/publish/", api.RuleVersionPublishApi.as_view(),
         name="rule-version-publish"),
    path("rule-versions/<int:version_id>/retire/", api.RuleVersionRetireApi.as_view(),
         name="rule-version-retire"),
    path("rule-versions/<int:version_id>/new-draft/", api.RuleVersionNewDraftApi.as_view(),
         name="rule-version-new-draft"),
    path("rule-versions/<int:version_id>/acknowledge/", api.RuleVersionAcknowledgeApi.as_view(),
         name="rule-version-acknowledge"),
    path("rule-versions/<int:version_id>/diff/", api.RuleVersionDiffApi.as_view(),
         name="rule-version-diff"),
    path("rule-versions/<int:version_id>/export/", api.RuleVersionExportApi.as_view(),
         name="rule-version-export"),
]
