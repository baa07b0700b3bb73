"""The workforce API, one module per area: training, exams and attempts, credentials and
assignments, policies. Workers see only their own records; managers see everyone's.
(Sign-in and API tokens are in ``annotators.account_api``.)"""

from .common import ManagesWorkforce, ManagesWorkforceToWrite
from .credentials import (
    AssignmentListApi,
    CredentialDetailApi,
    CredentialHistoryApi,
    CredentialListApi,
    CredentialReinstateApi,
    CredentialRevokeApi,
    CredentialSuspendApi,
)
from .exams import (
    AttemptAnswerApi,
    AttemptDetailApi,
    AttemptListApi,
    AttemptSubmitApi,
    ExamListApi,
    ExamQuestionListApi,
)
from .policies import PolicyDetailApi, PolicyListApi
from .training import (
    CourseDetailApi,
    CourseListApi,
    CourseModuleAddApi,
    CourseStartApi,
    ModuleConfirmApi,
    ModuleOpenApi,
    TrainingRecordListApi,
)

__all__ = [
    "AssignmentListApi", "AttemptAnswerApi", "AttemptDetailApi", "AttemptListApi",
    "AttemptSubmitApi", "CourseDetailApi", "CourseListApi", "CourseModuleAddApi",
    "CourseStartApi", "CredentialDetailApi", "CredentialHistoryApi", "CredentialListApi",
    "CredentialReinstateApi", "CredentialRevokeApi", "CredentialSuspendApi", "ExamListApi",
    "ExamQuestionListApi", "ManagesWorkforce", "ManagesWorkforceToWrite", "ModuleConfirmApi",
    "ModuleOpenApi", "PolicyDetailApi", "PolicyListApi", "TrainingRecordListApi",
]
