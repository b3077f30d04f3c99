"""Declarations, the actions on them and the workflow they follow: commands (`commands`), queries
(`queries`), the shared write primitives (`writer`), held together by `RecordService`."""

from app.records.queries import RecordDetail
from app.records.service import RecordService
from app.records.validation import DeclarationInvalid, FieldError, PlausibilityUnconfirmed
from app.records.workflow import ActionType, PermissionDenied, Role, Status, WorkflowError
from app.records.writer import SYSTEM, Actor, RecordNotFound

__all__ = ["SYSTEM", "ActionType", "Actor", "DeclarationInvalid", "FieldError", "PermissionDenied",
           "PlausibilityUnconfirmed", "RecordDetail", "RecordNotFound", "RecordService", "Role", "Status",
           "WorkflowError"]
