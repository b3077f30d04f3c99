"""The relay against the real MOSIP emulator's hub and auth manager: subscription with the WEBSUB
client's token, intent verification, CREDENTIAL_ISSUED deliveries (to callback + "/"), and SIGKILL
faults of the relay process while the hub delivers."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mosip_emulator.server import EmulatorServer
from relay.db import Store, make_engine
from relay.settings import CALLBACK_PATH
from tests.relay.conftest import Device, hub_post
from tests.waiting import wait_until

FAST_HUB = {
    "credential_delay": 0.0,
    "redelivery_initial": 0.05,
    "redelivery_max_interval": 0.25,
    "redelivery_max_attempts": 400,      # ≈ 100 s of retries: room to restart a killed relay
    "delivery_timeout": 60.0,            # longer than the relay's injected pause
}
RID = "10001100010000120250101000001"


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    server = EmulatorServer(None, **FAST_HUB).start()
    yield server
    server.stop()


def hub_settings(emulator: EmulatorServer) -> dict[str, str]:
    cfg = emulator.client_config()
    websub = cfg["websub"]
    return {"hub_url": websub["hub_url"], "auth_url": cfg["packet_manager"]["auth_url"],
            "client_id": websub["client_id"], "client_secret": websub["client_secret"],
            "app_id": websub["app_id"], "partner_id": websub["topic"].split("/")[0]}


def hub_env(emulator: EmulatorServer) -> dict[str, str]:
    return {"CRVS_RELAY_" + key.upper(): value for key, value in hub_settings(emulator).items()}



def hub_subscription(emulator: EmulatorServer, callback: str) -> dict[str, Any] | None:
    subs = [s for s in emulator.state()["subscriptions"] if s["callback"] == callback]
    return subs[0] if subs else None


def publish(emulator: EmulatorServer, rid: str) -> bytes:
    """MOSIP issues a credential for ``rid``: CREDENTIAL_ISSUED to every partner; returns the body the
    hub sends to our partner's subscribers."""
    topic = emulator.client_config()["websub"]["topic"]
    emulator.call(emulator.emulator.hub.publish_credential, rid, None)
    return emulator.call(lambda: emulator.emulator.hub.logs[topic][-1].body)


def delivered(emulator: EmulatorServer, callback: str) -> int:
    sub = hub_subscription(emulator, callback)
    return sub["delivered"] if sub else 0


def test_subscribes_with_the_websub_token_and_relays_a_credential_to_its_device(
        emulator: EmulatorServer, make_relay: Any) -> None:
    relay = make_relay(**hub_settings(emulator), callback_url="{base}" + CALLBACK_PATH, hub_secret="")
    callback = relay.base_url + CALLBACK_PATH
    sub = wait_until(lambda: hub_subscription(emulator, callback), what="the hub's subscription")
    assert sub["state"] == "RUNNING"
    assert sub["topic"] == relay.relay.settings.topic
    wait_until(lambda: relay.store.subscription_state()["verified_at"], what="intent verification")
    assert emulator.counters()["hub_verifications"] == {"ok": 1}
    assert "hub_unauthorised" not in emulator.counters()

    device = Device(relay.base_url, relay.store.add_device("office-1"))
    assert device.await_rids(RID).status_code == 200
    sent = publish(emulator, RID)
    items = wait_until(device.items, what="the delivery at the device")
    (item,) = items
    # the relay checked the hub's HMAC (with the secret it generated and gave the hub) and kept the body
    # byte for byte: the encrypted credential the device will decrypt with its partner key
    assert base64.b64decode(item["body"]) == sent
    event = json.loads(sent)["event"]
    assert (item["registration_id"], item["event_id"]) == (RID, event["id"])
    assert "credential" in event["data"]
    assert device.ack(item["cursor"]).json() == {"acknowledged": 1}
    # the hub posted to callback + "/" (MOSIP hub 1.2.0.x) and got a 2xx
    assert delivered(emulator, callback) == 1


def test_a_wrong_websub_secret_is_refused_by_the_hub_and_recorded(
        emulator: EmulatorServer, make_relay: Any) -> None:
    relay = make_relay(**{**hub_settings(emulator), "client_secret": "wrong"}, callback_url="{base}" + CALLBACK_PATH)
    state = wait_until(lambda: relay.store.subscription_state()["last_error"], what="the subscription error")
    assert "no token" in state
    assert hub_subscription(emulator, relay.base_url + CALLBACK_PATH) is None


def test_killed_after_storing_before_answering_the_hub_redelivery_stores_nothing_twice(
        emulator: EmulatorServer, relay_process: Any, database_url: str) -> None:
    process = relay_process(**hub_env(emulator), CRVS_RELAY_HUB_SECRET="")
    callback = process.base_url + CALLBACK_PATH
    process.env["CRVS_RELAY_CALLBACK_URL"] = callback
    process.start(CRVS_RELAY_TEST_PAUSE_AFTER_STORE="60")
    wait_until(lambda: (hub_subscription(emulator, callback) or {}).get("state") == "RUNNING", what="subscription")
    store = Store(make_engine(database_url))
    device = Device(process.base_url, store.add_device("office-1"))
    device.await_rids(RID)

    sent = publish(emulator, RID)
    wait_until(lambda: store.gauges()["deliveries_held"] == 1, what="the delivery committed")
    assert delivered(emulator, callback) == 0          # the relay is sleeping before its answer
    process.kill()                                       # SIGKILL between commit and answer

    process.start()                                      # same port, no pause; the hub retries
    wait_until(lambda: delivered(emulator, callback) == 1, timeout=60, what="the hub's redelivery")
    assert store.gauges()["deliveries_held"] == 1
    (item,) = device.items()
    assert base64.b64decode(item["body"]) == sent
    metrics = httpx.get(process.base_url + "/metrics").text
    assert 'crvs_relay_deliveries_total{outcome="duplicate"} 1' in metrics
    assert "outcome=\"stored\"" not in metrics
    store.engine.dispose()


def test_killed_between_answering_and_the_device_ack_the_device_pulls_it_again(
        emulator: EmulatorServer, relay_process: Any, database_url: str) -> None:
    process = relay_process(**hub_env(emulator), CRVS_RELAY_HUB_SECRET="")
    callback = process.base_url + CALLBACK_PATH
    process.env["CRVS_RELAY_CALLBACK_URL"] = callback
    process.start()
    wait_until(lambda: (hub_subscription(emulator, callback) or {}).get("state") == "RUNNING", what="subscription")
    store = Store(make_engine(database_url))
    device = Device(process.base_url, store.add_device("office-1"))
    device.await_rids(RID)

    sent = publish(emulator, RID)
    wait_until(lambda: delivered(emulator, callback) == 1, what="the delivery answered")
    (before,) = device.items()                           # pulled, not yet acknowledged
    process.kill()
    with pytest.raises(httpx.HTTPError):
        device.ack(before["cursor"])                     # the ack is lost with the relay

    process.start()
    (after,) = device.items()
    assert after == before
    assert base64.b64decode(after["body"]) == sent
    assert device.ack(after["cursor"]).json() == {"acknowledged": 1}
    assert device.ack(after["cursor"]).json() == {"acknowledged": 0}
    assert device.items() == []
    assert delivered(emulator, callback) == 1            # the hub delivered once
    store.engine.dispose()


def test_a_delivery_posted_while_the_relay_pauses_then_dies_is_not_lost_by_a_retry(
        relay_process: Any, database_url: str) -> None:
    """The same fault without the hub: a sender that retries until it gets a 2xx stores one copy."""
    process = relay_process()
    process.start(CRVS_RELAY_TEST_PAUSE_AFTER_STORE="60")
    store = Store(make_engine(database_url))
    device = Device(process.base_url, store.add_device("office-1"))
    device.await_rids(RID)
    body = json.dumps({"event": {"id": "event-1", "data": {"registrationId": RID}}}).encode()
    outcome: list[Any] = []
    sender = threading.Thread(target=lambda: outcome.append(_post_catching(process.base_url, body)))
    sender.start()
    wait_until(lambda: store.gauges()["deliveries_held"] == 1, what="the delivery committed")
    process.kill()
    sender.join(10)
    assert isinstance(outcome[0], httpx.HTTPError)      # the sender saw no answer
    process.start()
    assert hub_post(process.base_url, body).status_code == 200
    assert [i["event_id"] for i in device.items()] == ["event-1"]
    store.engine.dispose()


def _post_catching(base_url: str, body: bytes) -> Any:
    try:
        return hub_post(base_url, body)
    except httpx.HTTPError as exc:
        return exc
