"""Declarations, the actions on them and the workflow they follow."""

from app.records.service import SYSTEM, Actor, RecordDetail, RecordNotFound, RecordService
from app.records.validation import DeclarationInvalid, FieldError
from app.records.workflow import ActionType, PermissionDenied, Role, Status, WorkflowError

__all__ = ["SYSTEM", "ActionType", "Actor", "DeclarationInvalid", "FieldError", "PermissionDenied",
           "RecordDetail", "RecordNotFound", "RecordService", "Role", "Status", "WorkflowError"]
