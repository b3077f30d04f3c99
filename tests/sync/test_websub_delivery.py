"""CREDENTIAL_ISSUED as MOSIP's hub really delivers it (docs/fidelity/websub.md), through the agent:
a data share read with the WEBSUB client's own token, a callback called with a trailing slash, a
refused subscription surfacing as a configuration alert, and never a 2xx for a delivery that was not
stored — the hub's consumer stops on it, the agent re-subscribes, the hub sends it again, applied once."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy.exc import OperationalError

from app.mosip.settings import MosipSettings, load_settings
from app.records import Actor, Role
from app.security.secrets import SecretStore
from sync.agent import SyncAgent
from tests.sync.conftest import LinkedDevice, person, section_values

ANA, REX = Actor("ana", Role.AGENT), Actor("rex", Role.REGISTRAR)


def wait_for(predicate: Callable[[], Any], seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return bool(predicate())


@contextmanager
def running_agent(linked: LinkedDevice, tweak: Callable[[MosipSettings], MosipSettings] | None = None
                  ) -> Iterator[tuple[Any, SyncAgent]]:
    device = linked.open()
    settings = load_settings(device.country, SecretStore(device.db))
    agent = SyncAgent(device.records, device.country, tweak(settings) if tweak else settings)
    agent.resubscribe_after_failure_seconds = 0.3
    try:
        yield device, agent
    finally:
        agent.stop()
        device.close()


def register_newborn(device: Any, agent: SyncAgent) -> str:
    """A birth whose registration asks MOSIP for a UIN (the mother's identity is authenticated)."""
    newborn = device.records.declare(ANA, event="birth", data={
        "father.details_available": "no",
        "child.firstname": "Tiyamike", "child.surname": "Banda", "child.gender": "female",
        "child.dob": "2026-11-25", "informant.relation": "mother",
        **section_values("mother", person("Female"))})
    device.records.record_authentication(ANA, newborn.id, "mother", psut="psut-websub")
    assert device.records.act(REX, newborn.id, "register").status == "awaiting_external_validation"
    # "sync now" is a no-op until the agent has seen MOSIP online (probe hysteresis): on a loaded
    # machine the first probes can take longer than the registration above
    assert wait_for(lambda: agent.connectivity.online, 60)
    agent.sync_now()
    return newborn.id


def subscription_state(linked: LinkedDevice) -> str | None:
    subs = linked.emulator.state()["subscriptions"]
    return subs[0]["state"] if subs else None


def partner_id(device: Any) -> str:
    return str(device.country.config.mosip.partner_id)


def test_a_data_share_delivery_is_read_with_the_websub_token(linked: LinkedDevice) -> None:
    emulator = linked.emulator
    with running_agent(linked) as (device, agent):
        policy = httpx.post(f"{emulator.base_url}/admin/partners/{partner_id(device)}/policy",
                            json={"data_share": True})
        assert policy.status_code == 200
        emulator.add_fault("5xx=1.0,path=/v1/datashare")       # the data share is down at first
        agent.start()
        assert wait_for(lambda: subscription_state(linked) == "RUNNING")
        record_id = register_newborn(device, agent)
        assert wait_for(lambda: emulator.counters().get("deliveries_failed"))
        # not acknowledged: the hub's consumer stopped on it, the record still waits
        assert subscription_state(linked) == "STOPPED"
        assert device.records.get(record_id).status == "awaiting_external_validation"
        emulator.clear_faults()
        # the agent re-subscribes; the hub restarts the consumer and sends the same event again
        assert wait_for(lambda: device.records.get(record_id).status == "registered", 30)
        # the hub counts a delivery once it has read the 200, just after the record was stored
        assert wait_for(lambda: emulator.counters().get("deliveries_succeeded"))
        counters = emulator.counters()
        rid = device.records.get(record_id).mosip["rid"]
        assert counters["deliveries_succeeded"] == {rid: 1}
        assert counters["data_share_reads"] == {partner_id(device): 1}
        assert counters["tokens_issued"].get(partner_id(device), 0) >= 2   # the WEBSUB client's own tokens
        assert device.records.get(record_id).mosip["vid"]


def test_a_failed_database_write_is_answered_5xx_and_applied_once_on_redelivery(linked: LinkedDevice) -> None:
    emulator = linked.emulator
    with running_agent(linked) as (device, agent):
        original = agent.delivery.confirm_registration
        calls: list[str] = []

        def flaky_confirm(rid: str, **kw: Any) -> Any:
            calls.append(rid)
            if len(calls) == 1:
                raise OperationalError("UPDATE record", {}, Exception("database is locked"))
            return original(rid, **kw)

        agent.delivery.confirm_registration = flaky_confirm  # type: ignore[method-assign]
        agent.start()
        assert wait_for(lambda: subscription_state(linked) == "RUNNING")
        record_id = register_newborn(device, agent)
        assert wait_for(lambda: device.records.get(record_id).status == "registered", 30)
        assert wait_for(lambda: emulator.counters().get("deliveries_succeeded"))
        rid = device.records.get(record_id).mosip["rid"]
        counters = emulator.counters()
        assert counters["deliveries_failed"] == {rid: 1}         # the 500 answer: not a delivery
        assert counters["deliveries_attempted"] == {rid: 2}      # no retry of an answer; one redelivery
        assert counters["deliveries_succeeded"] == {rid: 1}
        assert calls == [rid, rid]                               # stored by the second, the only one that counted


def test_the_callback_is_served_with_and_without_a_trailing_slash(linked: LinkedDevice) -> None:
    with running_agent(linked) as (_device, agent):
        assert agent.receiver is not None
        agent.receiver.start()
        ws = agent.settings.websub
        for url in (ws.callback_url, ws.callback_url.rstrip("/") + "/"):
            challenge = httpx.get(url, params={"hub.mode": "subscribe", "hub.topic": ws.topic,
                                               "hub.challenge": "c-42", "hub.lease_seconds": "864000"})
            assert challenge.status_code == 200 and challenge.text == "c-42"
        body = b'{"event": {"id": "e", "data": {"registrationId": "10001999", "credential": "x"}}}'
        signature = "sha256=" + hmac.new(ws.secret, body, hashlib.sha256).hexdigest()
        # unreadable but authentic: acknowledged (no later attempt can do better), with the slash too
        answer = httpx.post(ws.callback_url.rstrip("/") + "/", content=body,
                            headers={"X-Hub-Signature": signature})
        assert answer.status_code == 200 and answer.json() == {"status": "ERROR"}
        forged = httpx.post(ws.callback_url.rstrip("/") + "/", content=body,
                            headers={"X-Hub-Signature": "sha256=" + "0" * 64})
        assert forged.status_code == 401
        assert httpx.post(ws.callback_url.rstrip("/") + "/other", content=body).status_code == 404


def test_the_emulated_hub_posts_with_a_trailing_slash_and_the_agent_applies_it(linked: LinkedDevice) -> None:
    assert linked.emulator.state()["config"]["hub_trailing_slash"] is True
    with running_agent(linked) as (device, agent):
        agent.start()
        assert wait_for(lambda: subscription_state(linked) == "RUNNING")
        record_id = register_newborn(device, agent)
        assert wait_for(lambda: device.records.get(record_id).status == "registered", 30)
        assert agent.receiver is not None and agent.receiver.received == 1


def test_a_refused_subscription_is_a_configuration_alert(linked: LinkedDevice) -> None:
    def with_packet_client(settings: MosipSettings) -> MosipSettings:
        # the packet client's token: the hub wants the partner's own WEBSUB client
        websub = dataclasses.replace(settings.websub, client_id=settings.packets.client_id,
                                     client_secret=settings.packets.secret_key, app_id=settings.packets.app_id)
        return dataclasses.replace(settings, websub=websub)

    with running_agent(linked, with_packet_client) as (_device, agent):
        assert agent.resubscribe() is False
        alert = agent.hub.status.alert
        assert alert is not None and alert.code == "sync.subscription_refused"
        assert alert.params == {"reason": "Subscriber is not authorized"} and "websub.client_id" in alert.text
        assert linked.emulator.counters()["hub_unauthorised"] == {"Subscriber is not authorized": 1}
        assert not linked.emulator.state()["subscriptions"]
