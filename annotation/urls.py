from django.urls import path

from . import api, views

app_name = "annotation"

urlpatterns = [
    path("", views.home, name="home"),
    path("tasks/<int:task_id>/", views.label, name="label"),
    path("items/<int:item_id>/media/", views.item_media, name="item-media"),
    path("manage/", views.task_manage_list, name="task-manage-list"),
    path("manage/<int:task_id>/", views.task_manage, name="task-manage"),
    path("manage/<int:task_id>/settings/", views.task_settings, name="task-settings"),
    path("manage/<int:task_id>/state/", views.task_state, name="task-state"),
    path("manage/<int:task_id>/members/", views.task_member_add, name="task-member-add"),
    path("manage/<int:task_id>/members/<int:membership_id>/remove/", views.task_member_remove,
         name="task-member-remove"),
    path("manage/<int:task_id>/imports/", views.task_import, name="task-import"),
    path("manage/imports/<int:job_id>/", views.import_job, name="import-job"),
]

api_urlpatterns = [
    path("tasks/", api.TaskListApi.as_view(), name="task-list"),
    path("tasks/<int:task_id>/", api.TaskDetailApi.as_view(), name="task-detail"),
    path("tasks/<int:task_id>/state/", api.TaskStateApi.as_view(), name="task-state"),
    path("tasks/<int:task_id>/rule-version/", api.TaskRuleVersionApi.as_view(),
         name="task-rule-version"),
    path("tasks/<int:task_id>/memberships/", api.MembershipListApi.as_view(),
         name="membership-list"),
    path("memberships/<int:membership_id>/", api.MembershipDetailApi.as_view(),
         name="membership-detail"),
    path("tasks/<int:task_id>/imports/", api.TaskImportApi.as_view(), name="task-import"),
    path("imports/<int:job_id>/", api.ImportJobApi.as_view(), name="import-detail"),
    path("tasks/<int:task_id>/batches/", api.BatchListApi.as_view(), name="batch-list"),
    path("tasks/<int:task_id>/items/", api.ItemListApi.as_view(), name="item-list"),
    path("items/<int:item_id>/", api.ItemDetailApi.as_view(), name="item-detail"),
    path("items/<int:item_id>/media/", api.ItemMediaApi.as_view(), name="item-media"),
    path("tasks/<int:task_id>/next/", api.NextItemApi.as_view(), name="task-next"),
    path("leases/<int:lease_id>/submit/", api.LeaseSubmitApi.as_view(), name="lease-submit"),
    path("leases/<int:lease_id>/skip/", api.LeaseSkipApi.as_view(), name="lease-skip"),
    path("my-labels/", api.MyLabelsApi.as_view(), name="my-labels"),
]
