"""Deployment mode in the country configuration and what it lets the device do, without a network:
the configuration check, the actions each mode offers, and the NOTIFY a declaration queues."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config.loader import load_country
from app.config.yaml_source import ConfigError
from app.errors import WorkflowError
from app.records import RecordService
from app.records.workflow import MODE_ACTIONS, available_actions
from app.store import Database
from app.vocabulary import ActionType, DeploymentMode, OutboxKind, Role, Status, UpstreamState
from tests.core.conftest import AGENT, COUNTRIES, REGISTRAR, farajaland_birth


def country_copy(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    import shutil

    target = tmp_path / "farajaland"
    shutil.copytree(COUNTRIES / "farajaland", target)
    path = target / "country.yaml"
    text = path.read_text()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text)
    return target


@pytest.mark.parametrize("country", ["farajaland", "tongatapu"])
def test_both_demo_countries_run_in_either_mode(country: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_country(COUNTRIES / country).config.mode is DeploymentMode.STANDALONE
    monkeypatch.setenv("CRVS_DEPLOYMENT_MODE", "opencrvs")
    loaded = load_country(COUNTRIES / country)
    assert loaded.config.mode is DeploymentMode.OPENCRVS
    assert loaded.config.rules_for("birth", "register") == []       # OpenCRVS runs the UIN lifecycle


def test_the_check_names_a_mapping_that_fits_no_field_and_a_mode_without_its_section(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = country_copy(tmp_path / "a", ("        child.dob: child.dob\n", "        child.dob: child.birthday\n"),
                         ("grandparent: OTHER, ", ""))
    with pytest.raises(ConfigError) as problems:
        load_country(wrong)
    text = str(problems.value)
    assert "opencrvs.events.birth: child.dob: no field child.birthday" in text
    assert "no OpenCRVS value for option(s) grandparent" in text
    monkeypatch.setenv("CRVS_DEPLOYMENT_MODE", "opencrvs")
    without = country_copy(tmp_path / "b", ("\nopencrvs:\n", "\nopencrvs_unused:\n"))
    with pytest.raises(ConfigError):
        load_country(without)


def test_opencrvs_mode_offers_no_registration_and_declaring_queues_one_notify(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    assert ActionType.REGISTER not in MODE_ACTIONS[DeploymentMode.OPENCRVS]
    assert ActionType.UPSTREAM_STATUS not in MODE_ACTIONS[DeploymentMode.STANDALONE]
    assert available_actions(Status.VALIDATED, Role.REGISTRAR, DeploymentMode.OPENCRVS) == [ActionType.RETRY]
    assert ActionType.REGISTER in available_actions(Status.VALIDATED, Role.REGISTRAR)
    monkeypatch.setenv("CRVS_DEPLOYMENT_MODE", "opencrvs")
    records = RecordService(db, load_country(COUNTRIES / "farajaland"))
    record = records.declare(AGENT, event="birth", data=farajaland_birth())
    detail = records.detail(record.id, role=Role.REGISTRAR)
    assert ActionType.REGISTER not in detail.available
    [notify] = [o for o in detail.outbox if o.kind == OutboxKind.OPENCRVS_NOTIFY]
    assert notify.idempotency_key == notify.payload["notify_transaction_id"]
    assert notify.payload["create_transaction_id"] != notify.payload["notify_transaction_id"]
    assert records.upstream_status(record.id).state is UpstreamState.QUEUED
    with pytest.raises(WorkflowError) as refused:
        records.act(REGISTRAR, record.id, "register")
    assert refused.value.code == "workflow.not_in_this_mode"


def test_standalone_mode_queues_no_notify(db: Database) -> None:
    records = RecordService(db, load_country(COUNTRIES / "farajaland"))
    record = records.declare(AGENT, event="birth", data=farajaland_birth())
    assert records.upstream_status(record.id) is None
    assert all(o.kind != OutboxKind.OPENCRVS_NOTIFY for o in records.detail(record.id).outbox)
