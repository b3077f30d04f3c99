"""The relay's HTTP behaviour against a real database (SQLite file and PostgreSQL), over loopback."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import httpx
import pytest

from relay.db import IncomingDelivery, Store
from relay.settings import CALLBACK_PATH
from tests.relay.conftest import TOPIC_PARTNER, Device, hub_post, sign


def event(rid: str, event_id: str | None = None, **extra: Any) -> bytes:
    """A CREDENTIAL_ISSUED delivery shaped as mosip/id-repository CredentialStoreServiceImpl sends it;
    the credential is an opaque string here (the relay never looks inside)."""
    body = {"publisher": "CREDENTIAL_SERVICE", "topic": f"{TOPIC_PARTNER}/CREDENTIAL_ISSUED",
            "publishedOn": "2025-01-01T00:00:00.000Z",
            "event": {"id": event_id or str(uuid.uuid4()), "transactionId": str(uuid.uuid4()),
                      "timestamp": "2025-01-01T00:00:00.000Z", "dataShareUri": None,
                      "data": {"registrationId": rid, "credential": "ENCRYPTED" + uuid.uuid4().hex,
                               "credentialType": "euin", **extra}}}
    return json.dumps(body, separators=(",", ":")).encode()


def new_device(relay: Any, name: str) -> Device:
    return Device(relay.base_url, relay.store.add_device(name))


def test_delivery_stored_then_pulled_by_its_device_and_acknowledged(relay: Any) -> None:
    device = new_device(relay, "office-1")
    assert device.await_rids("10001100010000120250101000000").status_code == 200
    body = event("10001100010000120250101000000")
    answer = hub_post(relay.base_url, body)
    assert (answer.status_code, answer.json()) == (200, {"status": "RECEIVED"})

    (item,) = device.items()
    assert base64.b64decode(item["body"]) == body            # byte for byte as the hub sent it
    assert item["registration_id"] == "10001100010000120250101000000"
    assert item["event_id"] == json.loads(body)["event"]["id"]

    assert device.ack(item["cursor"]).json() == {"acknowledged": 1}
    assert device.items() == []
    assert device.ack(item["cursor"]).json() == {"acknowledged": 0}     # acking again is harmless


def test_trailing_slash_callback_is_accepted(relay: Any) -> None:
    # MOSIP hub 1.2.0.x posts to callback + "/" (mosip/websub on websubhub ≤ 1.4)
    device = new_device(relay, "office-1")
    device.await_rids("R1")
    assert hub_post(relay.base_url, event("R1"), path=CALLBACK_PATH + "/").status_code == 200
    assert len(device.items()) == 1


def test_redelivery_of_the_same_event_stores_nothing_new(relay: Any) -> None:
    device = new_device(relay, "office-1")
    device.await_rids("R1")
    body = event("R1")
    for _ in range(3):
        assert hub_post(relay.base_url, body).status_code == 200
    assert len(device.items()) == 1
    assert "crvs_relay_deliveries_total{outcome=\"duplicate\"} 2" in httpx.get(relay.base_url + "/metrics").text


def test_forged_or_missing_signature_is_refused_and_nothing_stored(relay: Any) -> None:
    device = new_device(relay, "office-1")
    device.await_rids("R1")
    body = event("R1")
    assert hub_post(relay.base_url, body, signature=sign(body, "another secret")).status_code == 401
    assert hub_post(relay.base_url, body, signature="sha256=" + "0" * 64).status_code == 401
    assert hub_post(relay.base_url, body, signature="").status_code == 401
    assert hub_post(relay.base_url, body, signature="sha1=" + sign(body)[7:]).status_code == 401
    tampered = body.replace(b"R1", b"R2")
    assert hub_post(relay.base_url, tampered, signature=sign(body)).status_code == 401
    assert device.items() == []
    assert relay.store.gauges()["deliveries_held"] == 0


def test_oversized_delivery_is_refused(make_relay: Any) -> None:
    relay = make_relay(max_delivery_bytes=1024)
    body = event("R1", padding="x" * 2000)
    assert hub_post(relay.base_url, body).status_code == 413
    assert relay.store.gauges()["deliveries_held"] == 0


def test_signed_but_unreadable_delivery_is_quarantined_not_shown(relay: Any) -> None:
    device = new_device(relay, "office-1")
    device.await_rids("R1")
    assert hub_post(relay.base_url, b"not json at all").status_code == 200   # a 4xx would stop the hub's consumer
    assert hub_post(relay.base_url, event("R1/../x")).status_code == 200
    assert device.items() == []
    assert relay.store.gauges()["deliveries_quarantined"] == 2


def test_wrong_or_revoked_credential_gets_401_and_nothing_else(relay: Any) -> None:
    token = relay.store.add_device("office-1")
    good = Device(relay.base_url, token)
    good.await_rids("R1")
    hub_post(relay.base_url, event("R1"))
    good.put_head(3, "a" * 64)
    assert len(good.items()) == 1

    def refused(device: Device) -> None:
        for response in (device.pull(), device.await_rids("R9"), device.ack(1), device.put_head(9, "b" * 64),
                         device.get_head()):
            assert response.status_code == 401
            assert response.json() == {"error": "unauthorised"}
            assert response.headers["www-authenticate"].startswith("Bearer")

    refused(Device(relay.base_url, "crvsr_" + "x" * 43))
    refused(Device(relay.base_url, token + "x"))
    no_header = httpx.get(relay.base_url + "/v1/devices/me/deliveries")
    assert no_header.status_code == 401
    basic = httpx.get(relay.base_url + "/v1/devices/me/deliveries", headers={"Authorization": f"Basic {token}"})
    assert basic.status_code == 401

    assert relay.store.revoke_device("office-1")
    refused(good)
    assert relay.store.authenticate(token) is None


def test_two_devices_each_see_only_their_own_registrations(relay: Any) -> None:
    first, second = new_device(relay, "office-1"), new_device(relay, "office-2")
    assert first.await_rids("RA1", "RA2").json()["registered"] == 2
    assert second.await_rids("RB1").json()["registered"] == 1
    for rid in ("RA1", "RB1", "RA2", "RX9"):
        assert hub_post(relay.base_url, event(rid)).status_code == 200

    assert [i["registration_id"] for i in first.items()] == ["RA1", "RA2"]
    assert [i["registration_id"] for i in second.items()] == ["RB1"]

    # a RID another device awaits: 409, and the request registers nothing of its own either
    refused = second.await_rids("RA1", "RB2")
    assert refused.status_code == 409
    assert refused.json()["rids"] == ["RA1"]
    assert [i["registration_id"] for i in second.items()] == ["RB1"]
    assert relay.store.gauges()["rids_awaited"] == 3

    # cursors number each device's own mailbox: the same number acknowledges only the caller's item
    (first_item, _) = first.items()
    assert second.ack(first_item["cursor"], first_item["cursor"] + 1).json() == {"acknowledged": 1}
    assert second.items() == []
    assert [i["registration_id"] for i in first.items()] == ["RA1", "RA2"]
    assert first.await_rids("RA1").json() == {"registered": 0, "already": 1, "made_visible": 0}


def test_delivery_before_registration_is_kept_and_shown_after_cursors_already_read(relay: Any) -> None:
    device = new_device(relay, "office-1")
    device.await_rids("R1")
    hub_post(relay.base_url, event("R1"))
    hub_post(relay.base_url, event("R2"))           # nobody awaits R2 yet
    (first,) = device.items()
    assert device.ack(first["cursor"]).json()["acknowledged"] == 1

    assert device.await_rids("R2").json()["made_visible"] == 1
    later = device.items(after=first["cursor"])     # a cursor above everything already read
    assert [i["registration_id"] for i in later] == ["R2"]
    assert later[0]["cursor"] > first["cursor"]


def test_pull_pages_by_cursor(relay: Any) -> None:
    device = new_device(relay, "office-1")
    rids = [f"R{n:03d}" for n in range(25)]
    device.await_rids(*rids)
    for rid in rids:
        hub_post(relay.base_url, event(rid))
    seen: list[str] = []
    after = 0
    while True:
        page = device.pull(after, 10).json()
        seen += [i["registration_id"] for i in page["items"]]
        if not page["items"]:
            break
        after = page["next_cursor"]
    assert seen == rids
    assert device.pull(0, 0).status_code == 400
    assert device.pull(-1).status_code == 400
    assert device.http.get("/v1/devices/me/deliveries", params={"after": "x"}).status_code == 400


def test_device_input_is_validated(relay: Any) -> None:
    device = new_device(relay, "office-1")
    for payload in ({"rids": []}, {"rids": ["a b"]}, {"rids": ["x" * 65]}, {"rids": "R1"}, [1],
                    {"rids": ["R"] * 1001}):
        assert device.http.post("/v1/devices/me/awaited", json=payload).status_code == 400
    assert device.http.post("/v1/devices/me/awaited", content=b"{").status_code == 400
    assert device.http.post("/v1/devices/me/awaited", content=b"x" * 300_000).status_code == 413
    for payload in ({"cursors": [0]}, {"cursors": ["1"]}, {"cursors": [True]}, {"cursors": []}):
        assert device.http.post("/v1/devices/me/acks", json=payload).status_code == 400
    for payload in ({"seq": -1, "hash": "a" * 64}, {"seq": "1", "hash": "a" * 64}, {"seq": 1, "hash": "short"},
                    {"seq": 1, "hash": "a b" * 10}, {"seq": 5, "hash": "a" * 64, "prev_seq": 6, "prev_hash": "b" * 64},
                    {"seq": 5, "hash": "a" * 64, "prev_seq": 2}, {"seq": 5, "hash": "a" * 64, "prev_hash": "b" * 64},
                    {"seq": 5, "hash": "a" * 64, "prev_seq": 2, "prev_hash": "x"}):
        assert device.http.post("/v1/devices/me/audit-head", json=payload).status_code == 400


def test_intent_verification_echoes_only_the_topic_asked_for(relay: Any) -> None:
    callback = relay.base_url + CALLBACK_PATH
    topic = f"{TOPIC_PARTNER}/CREDENTIAL_ISSUED"
    params = {"hub.mode": "subscribe", "hub.topic": topic, "hub.challenge": "c-123", "hub.lease_seconds": "600"}
    assert httpx.get(callback, params=params).status_code == 404           # nothing requested yet

    relay.store.record_subscribe_request(topic, callback, 600)
    answer = httpx.get(callback, params=params)
    assert (answer.status_code, answer.text) == (200, "c-123")
    slash = httpx.get(callback + "/", params={**params, "hub.challenge": "c-456"})
    assert (slash.status_code, slash.text) == (200, "c-456")
    state = relay.store.subscription_state()
    assert state["verified_at"] is not None and state["lease_seconds"] == 600

    other = httpx.get(callback, params={**params, "hub.topic": "another-partner/CREDENTIAL_ISSUED"})
    assert other.status_code == 404 and "c-123" not in other.text
    unsubscribe = httpx.get(callback, params={**params, "hub.mode": "unsubscribe"})
    assert unsubscribe.status_code == 404 and "c-123" not in unsubscribe.text

    denied = httpx.get(callback, params={"hub.mode": "denied", "hub.topic": topic, "hub.reason": "Subscriber is "
                                         "not authorized"})
    assert denied.status_code == 200
    assert relay.store.subscription_state()["denied_reason"] == "Subscriber is not authorized"


def test_audit_head_is_monotonic_and_refusals_are_tamper_signals(relay: Any) -> None:
    device, other = new_device(relay, "office-1"), new_device(relay, "office-2")
    assert device.get_head().json() == {"head": None}
    assert device.put_head(10, "a" * 64).json()["outcome"] == "accepted"
    assert device.put_head(10, "a" * 64).json()["outcome"] == "unchanged"
    assert device.put_head(12, "c" * 64, prev=(10, "a" * 64)).json()["outcome"] == "accepted"

    lower = device.put_head(11, "b" * 64)
    assert lower.status_code == 409
    assert lower.json()["error"] == "audit_head_lower"
    rewritten = device.put_head(12, "d" * 64)
    assert rewritten.status_code == 409
    assert rewritten.json()["error"] == "audit_head_rewritten"

    head = device.get_head().json()["head"]
    assert (head["seq"], head["hash"]) == (12, "c" * 64)
    assert other.get_head().json() == {"head": None}                    # each device has its own
    assert relay.store.gauges()["tamper_signals"] == 2
    assert 'crvs_relay_tamper_signals_total{kind="rewritten"} 1' in httpx.get(relay.base_url + "/metrics").text


def test_a_higher_head_moves_the_anchor_only_from_the_acknowledged_hash(relay: Any) -> None:
    """Whoever holds the device's database key can rewrite the chain and re-hash it so that it holds
    locally; the higher head such a chain posts carries its own hash at the acknowledged sequence,
    which is not the one the relay acknowledged."""
    device = new_device(relay, "office-1")
    assert device.put_head(10, "a" * 64).json()["outcome"] == "accepted"

    rewritten = device.put_head(40, "f" * 64, prev=(10, "e" * 64))
    assert rewritten.status_code == 409
    assert rewritten.json() == {"error": "audit_head_rewritten", "head": {"seq": 10, "hash": "a" * 64}}
    unanchored = device.put_head(40, "f" * 64)                  # no proof at all: refused the same way
    assert unanchored.status_code == 409 and unanchored.json()["error"] == "audit_head_rewritten"
    assert relay.store.gauges()["tamper_signals"] == 2
    assert 'crvs_relay_tamper_signals_total{kind="rewritten"} 2' in httpx.get(relay.base_url + "/metrics").text

    # a prev naming another sequence: the device read the anchor before another post moved it
    stale = device.put_head(40, "f" * 64, prev=(9, "a" * 64))
    assert stale.status_code == 409 and stale.json()["error"] == "audit_head_stale"
    assert relay.store.gauges()["tamper_signals"] == 2          # not a tamper signal

    assert device.get_head().json()["head"]["seq"] == 10        # nothing moved the anchor
    assert device.put_head(40, "f" * 64, prev=(10, "a" * 64)).json()["outcome"] == "accepted"
    assert device.put_head(41, "9" * 64, prev=(10, "a" * 64)).json()["error"] == "audit_head_stale"
    assert device.put_head(41, "9" * 64, prev=(40, "f" * 64)).json()["outcome"] == "accepted"


def test_health_readiness_and_metrics_hold_no_personal_data(relay: Any) -> None:
    assert httpx.get(relay.base_url + "/healthz").json() == {"status": "alive"}
    assert httpx.get(relay.base_url + "/readyz").status_code == 200
    device = new_device(relay, "office-1")
    device.await_rids("R77")
    hub_post(relay.base_url, event("R77"))
    hub_post(relay.base_url, event("R78"))
    text = httpx.get(relay.base_url + "/metrics").text
    assert 'crvs_relay_deliveries_total{outcome="stored"} 2' in text
    assert "crvs_relay_deliveries_unclaimed 1" in text
    assert "crvs_relay_devices_active 1" in text
    assert "R77" not in text and "office-1" not in text


def test_retention_purges_old_deliveries(store: Store) -> None:
    now = [1_000_000.0]
    clocked = Store(store.engine, clock=lambda: now[0])
    device_id = clocked.authenticate(clocked.add_device("office-1"))
    assert device_id is not None
    clocked.await_rids(device_id, ["R1"])
    for n in range(3):
        clocked.store_delivery(IncomingDelivery(f"event:{n}", str(n), "R1", None, b"{}"))
        now[0] += 3600
    assert clocked.purge(2.5 * 3600) == 1          # the first is 3 h old, the others 2 h and 1 h
    assert len(clocked.pull(device_id, 0, 100)) == 2
    now[0] += 10 * 3600
    assert clocked.purge(2.5 * 3600) == 2
    assert clocked.pull(device_id, 0, 100) == []


def test_only_one_instance_holds_the_maintenance_lease(store: Store) -> None:
    now = [1_000_000.0]
    clocked = Store(store.engine, clock=lambda: now[0])
    assert clocked.take_maintenance_lease("instance-a", 30)
    assert not clocked.take_maintenance_lease("instance-b", 30)
    assert clocked.take_maintenance_lease("instance-a", 30)         # the holder renews
    now[0] += 31
    assert clocked.take_maintenance_lease("instance-b", 30)         # lapsed: taken over
    assert not clocked.take_maintenance_lease("instance-a", 30)
    clocked.release_maintenance_lease("instance-b")
    assert clocked.take_maintenance_lease("instance-a", 30)


def test_generated_hub_secret_is_shared_and_stable(store: Store) -> None:
    assert store.hub_secret() == Store(store.engine).hub_secret()
    assert len(store.hub_secret()) == 64


@pytest.mark.parametrize("rid_first", [True, False])
def test_delivery_and_registration_race_always_links(store: Store, rid_first: bool) -> None:
    import threading

    device_id = store.authenticate(store.add_device("office-1"))
    assert device_id is not None
    rids = [f"R{n}" for n in range(40)]
    barrier = threading.Barrier(2)

    def register() -> None:
        barrier.wait()
        for rid in rids:
            store.await_rids(device_id, [rid])

    def deliver() -> None:
        barrier.wait()
        for rid in rids:
            store.store_delivery(IncomingDelivery(f"event:{rid}", rid, rid, None, b"{}"))

    threads = [threading.Thread(target=register), threading.Thread(target=deliver)]
    if not rid_first:
        threads.reverse()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    items = store.pull(device_id, 0, 1000)
    assert sorted(i["registration_id"] for i in items) == sorted(rids)
    assert [i["cursor"] for i in items] == list(range(1, len(rids) + 1))
