"""Deployment mode `opencrvs` through the command line: a declaration with IDA-verified persons
reaches the OpenCRVS emulator as a NOTIFY valid by OpenCRVS's rules, with each person's MOSIP fields;
the registrar's work there comes back to the device by polling OpenCRVS's search."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.opencrvs.conftest import ADMIN_PIN, AGENT_PIN, Office
from tests.sync.conftest import person, section_values


def birth(**overrides: str) -> dict[str, str]:
    mother = person("Female")
    data = {"child.firstname": "Amélie", "child.surname": "Banda", "child.gender": "female",
            "child.dob": "2026-11-01", "informant.relation": "mother", "father.details_available": "no",
            **section_values("mother", mother)}
    data.update(overrides)
    return {k: v for k, v in data.items() if v}


def notify_actions(event: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in event["actions"] if a["type"] == "NOTIFY"]


def test_a_verified_declaration_reaches_opencrvs_and_comes_back_registered(office: Office, tmp_path: Path) -> None:
    record_id = office.declare(tmp_path, birth())
    view = office.show(record_id)
    assert view["upstream"]["state"] == "queued"
    assert "register" not in view["available_actions"]

    summary = office.sync_once()
    assert summary["verified"] == 1 and summary["quarantined"] == 0, summary
    view = office.show(record_id)
    upstream = view["upstream"]
    assert view["persons"]["mother"]["verification"] == "verified"
    assert upstream["state"] == "incomplete" and upstream["event_id"] and upstream["tracking_id"]

    events = office.crvs.events()
    assert len(events) == 1
    event = events[0]
    [requested, accepted] = notify_actions(event)
    assert (requested["status"], accepted["status"]) == ("Requested", "Accepted")
    declaration = requested["declaration"]
    data = birth()
    assert declaration["child.name"] == {"firstname": "Amélie", "surname": "Banda"}
    assert declaration["child.gender"] == "female" and declaration["child.dob"] == "2026-11-01"
    assert declaration["informant.relation"] == "MOTHER"
    assert declaration["mother.verified"] == "verified" and declaration["mother.nid"] == data["mother.nid"]
    assert "father.verified" not in declaration      # nothing known of a father without details

    office.crvs.register(event["id"], registration_number="FB2026000001", nid="7391485263")
    summary = office.sync_once()
    view = office.show(record_id)
    assert view["status"] == "registered"
    assert view["registration_number"] == "FB2026000001"
    assert view["upstream"]["state"] == "registered" and view["upstream"]["nid"] == "7391485263"
    assert [h["kind"] for h in view["history"]][-1] == "upstream-status"
    text = office.cli("records", "show", record_id, user="ana", pin=AGENT_PIN).stdout
    assert "OpenCRVS: registered (tracking " in text and "registration FB2026000001, NID 7391485263)" in text

    counters = office.crvs.counters()
    assert counters["totals"]["events_created"] == 1


def test_without_mosip_packet_and_websub_secrets_the_device_verifies_and_notifies(
        office: Office, tmp_path: Path) -> None:
    """In mode opencrvs OpenCRVS core sends the packets and hears MOSIP's hub: the device needs its
    IDA and OpenCRVS secrets only, and a country need not hand it the others."""
    from app.device import Device
    from app.mosip.settings import load_settings
    from app.security.secrets import SecretStore
    from app.store.models import Secret

    unused = ("packet_client_secret", "websub_secret", "websub_client_secret")
    device = Device.open(office.linked.data_dir, user="root", pin=ADMIN_PIN)
    try:
        with device.db.write() as session:
            for name in unused:
                row = session.get(Secret, name)
                assert row is not None, name
                session.delete(row)
        settings = load_settings(device.country, SecretStore(device.db))
        assert settings.packets is None and settings.websub is None and settings.opencrvs is not None
    finally:
        device.close()

    record_id = office.declare(tmp_path, birth())
    summary = office.sync_once()
    assert summary["verified"] == 1 and summary["quarantined"] == 0, summary
    assert office.show(record_id)["upstream"]["state"] == "incomplete"
    [event] = office.crvs.events()
    assert [a["status"] for a in notify_actions(event)] == ["Requested", "Accepted"]
