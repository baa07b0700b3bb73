"""The annotation API: tasks, memberships, imports, batches, items, and the labelling loop.

Everything is scoped to the actor's tasks: a task, item, lease or label outside them is 404.
"""

from .imports import ImportJobApi, ImportJobSerializer, TaskImportApi
from .items import (
    BatchListApi,
    BatchSerializer,
    ItemDetailApi,
    ItemListApi,
    ItemMediaApi,
    ItemSerializer,
)
from .memberships import MembershipDetailApi, MembershipListApi, MembershipSerializer
from .tasks import (
    TaskDetailApi,
    TaskListApi,
    TaskRuleVersionApi,
    TaskSerializer,
    TaskStateApi,
    TaskUpdateSerializer,
)
from .work import LeaseSerializer, LeaseSkipApi, LeaseSubmitApi, MyLabelsApi, NextItemApi

__all__ = [
    "BatchListApi", "BatchSerializer", "ImportJobApi", "ImportJobSerializer", "ItemDetailApi",
    "ItemListApi", "ItemMediaApi", "ItemSerializer", "LeaseSerializer", "LeaseSkipApi",
    "LeaseSubmitApi", "MembershipDetailApi", "MembershipListApi", "MembershipSerializer",
    "MyLabelsApi", "NextItemApi", "TaskDetailApi", "TaskImportApi", "TaskListApi",
    "TaskRuleVersionApi", "TaskSerializer", "TaskStateApi", "TaskUpdateSerializer",
]
