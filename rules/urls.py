from django.urls import path

from . import api, views

app_name = "rules"

urlpatterns = [
    path("risk-categories/", views.risk_category_list, name="risk-category-list"),
]

api_urlpatterns = [
    path("risk-categories/", api.RiskCategoryListApi.as_view(), name="risk-category-list"),
    path("risk-categories/<str:code>/", api.RiskCategoryDetailApi.as_view(),
         name="risk-category-detail"),
]
