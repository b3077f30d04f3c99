"""Refusals of the record commands and queries carry a code and parameters (identifiers only), so
the CLI and the UI choose the words; the English message stays for logs."""

from __future__ import annotations

import pytest

from app.errors import ErrorCategory, Refused
from app.records import RecordNotFound, RecordService, WorkflowError
from tests.core.conftest import AGENT, REGISTRAR, farajaland_birth


def test_registering_before_the_identity_checks_is_refused_with_a_code(service: RecordService) -> None:
    record = service.declare(AGENT, event="birth", data=farajaland_birth())
    with pytest.raises(WorkflowError) as refused:
        service.act(REGISTRAR, record.id, "register")
    error = refused.value
    assert isinstance(error, Refused) and error.category is ErrorCategory.REFUSED
    assert error.code == "record.verification_pending"
    assert error.params == {"action": "register", "sections": "mother, father"}
    assert service.get(record.id).status == "declared"   # nothing changed


def test_unknown_names_are_refused_with_what_is_known(service: RecordService) -> None:
    with pytest.raises(RecordNotFound) as missing:
        service.get("NOSUCH1")
    assert (missing.value.code, missing.value.params) == ("record.not_found", {"record": "NOSUCH1"})
    with pytest.raises(WorkflowError) as unknown_queue:
        service.list_records("no-such-queue")
    assert unknown_queue.value.code == "record.unknown_queue"
    assert unknown_queue.value.params["queue"] == "no-such-queue"
    with pytest.raises(WorkflowError) as unknown_event:
        service.declare(AGENT, event="marriage", data={})
    assert unknown_event.value.code == "record.unknown_event"
    assert "birth" in str(unknown_event.value.params["known"])
