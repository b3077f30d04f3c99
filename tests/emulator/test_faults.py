"""Fault injection: what a client really sees (resets, lost replies, timeouts, 5xx)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mosip_emulator.faults import FaultRule
from mosip_emulator.server import EmulatorServer
from tests.emulator.helpers import IdaClient, PacketClient, demographics_of, simple

TRANSPORT_ERRORS = (httpx.ReadError, httpx.RemoteProtocolError, httpx.ConnectError, httpx.WriteError)


def test_reset_is_a_connection_error_and_nothing_happens(emulator: EmulatorServer, packets: PacketClient) -> None:
    emulator.add_fault("reset=1.0,path=/commons")
    with pytest.raises(TRANSPORT_ERRORS) as info:
        packets.create_packet("RID-RESET-1", "CRVS_NEW", {"fullName": simple("Reset Baby")})
    # a real connection failure, not an HTTP answer
    assert not isinstance(info.value, httpx.HTTPStatusError)
    assert "packets_created" not in emulator.counters()
    # the token endpoint is outside the fault's path: still answered
    assert packets.login().status_code == 200
    emulator.clear_faults()
    assert packets.create_packet("RID-RESET-1", "CRVS_NEW", {"fullName": simple("Reset Baby")}).json()[
        "errors"] is None


def test_lost_reply_means_the_effect_happened(emulator: EmulatorServer, packets: PacketClient) -> None:
    httpx.post(f"{emulator.base_url}/admin/faults", json={"spec": "lost_reply=1.0,path=/commons"})
    with pytest.raises(TRANSPORT_ERRORS):
        packets.create_packet("RID-LOST-1", "CRVS_NEW", {"fullName": simple("Lost Reply")})
    assert emulator.counters()["packets_created"] == {"RID-LOST-1": 1}
    assert httpx.delete(f"{emulator.base_url}/admin/faults").json()["rules"] == []
    # the client retries: the packet manager writes the same packet again (no duplicate answer)
    retry = packets.create_packet("RID-LOST-1", "CRVS_NEW", {"fullName": simple("Lost Reply")})
    assert retry.json()["errors"] is None and retry.json()["response"][0]["packetName"] == "RID-LOST-1_id"
    assert emulator.counters()["packets_created"] == {"RID-LOST-1": 2}
    assert emulator.counters()["packets_rewritten"] == {"RID-LOST-1": 1}


def test_lost_reply_on_ida_still_counts_the_request(emulator: EmulatorServer, ida: IdaClient) -> None:
    person = emulator.identities.all()[0]
    emulator.add_fault("lost_reply=1.0,path=/idauthentication")
    with pytest.raises(TRANSPORT_ERRORS):
        ida.auth(person["uin"], demographics=demographics_of(person), txn="LOSTTXN001")
    assert emulator.counters()["ida_requests"] == {"LOSTTXN001": 1}


def test_timeout_holds_the_request_past_the_client_timeout(emulator: EmulatorServer,
                                                           client_config: dict[str, Any]) -> None:
    emulator.add_fault("timeout=1.0,timeout_seconds=5,path=/commons")
    client = PacketClient(client_config)
    client.http = httpx.Client(timeout=0.3)
    client.login()
    with pytest.raises(httpx.ReadTimeout):
        client.create_packet("RID-TIMEOUT-1", "CRVS_NEW", {"fullName": simple("Slow")})
    assert "packets_created" not in emulator.counters()


def test_5xx_rate_is_honoured_and_reproducible(emulator: EmulatorServer) -> None:
    def run() -> list[int]:
        emulator.clear_faults()
        emulator.add_fault("5xx=0.2,seed=7,path=/hub")
        with httpx.Client() as client:
            return [client.post(f"{emulator.base_url}/hub", data={"hub.mode": "register", "hub.topic": "t"}
                                ).status_code for _ in range(200)]

    first = run()
    assert set(first) == {202, 503}
    rate = first.count(503) / len(first)
    assert 0.12 < rate < 0.28, rate
    assert run() == first                     # same seed, same sequence


def test_admin_is_never_faulted(emulator: EmulatorServer) -> None:
    emulator.add_fault("reset=1.0")
    assert httpx.get(f"{emulator.base_url}/admin/state").status_code == 200
    with pytest.raises(TRANSPORT_ERRORS):
        httpx.get(f"{emulator.base_url}/.well-known/openid-configuration")
    described = httpx.get(f"{emulator.base_url}/admin/faults").json()
    assert described["injected"] == {"reset": 1}


def test_latency_and_method_scope_leave_answers_intact(make_emulator: Any) -> None:
    emu = make_emulator(faults=["latency=20ms", "5xx=1.0,method=DELETE"])
    resp = httpx.post(f"{emu.base_url}/hub", data={"hub.mode": "register", "hub.topic": "t"})
    assert resp.status_code == 202


@pytest.mark.parametrize("spec", ["5xx=2", "reset=0.6,lost_reply=0.6", "boom=1", "latency", "5xx=-0.1"])
def test_bad_specs_are_refused(spec: str) -> None:
    with pytest.raises(ValueError):
        FaultRule.parse(spec)


def test_spec_parsing() -> None:
    rule = FaultRule.parse("latency=50ms, 5xx=0.2, reset=0.05, lost_reply=0.05, timeout=0.1, seed=3, "
                           "timeout_seconds=2.5, path=/idauthentication|/commons")
    assert rule.latency == pytest.approx(0.05)
    assert (rule.p_5xx, rule.p_reset, rule.p_lost_reply, rule.p_timeout) == (0.2, 0.05, 0.05, 0.1)
    assert rule.paths == ("/idauthentication", "/commons") and rule.timeout_seconds == 2.5
    assert rule.matches("/commons/v1/packetmanager/createPacket", "PUT")
    assert not rule.matches("/hub", "POST")


def test_workflow_reply_lost_then_retried_is_processed_once(emulator: EmulatorServer,
                                                             packets: PacketClient) -> None:
    assert packets.create_packet("RID-ONCE-1", "CRVS_NEW", {"fullName": simple("Once Only")}).json()[
        "errors"] is None
    emulator.add_fault("lost_reply=1.0,path=/registrationprocessor")
    with pytest.raises(TRANSPORT_ERRORS):
        packets.start_workflow("RID-ONCE-1", "CRVS_NEW")
    emulator.clear_faults()
    retry = packets.start_workflow("RID-ONCE-1", "CRVS_NEW")
    # WorkflowInstanceService: already started → RPR-WIS-001, which the client reads as done
    assert retry.json()["errors"][0]["errorCode"] == "RPR-WIS-001"
    counters = emulator.counters()
    assert counters["workflows_started"] == {"RID-ONCE-1": 1}
    assert counters["identities_created"] == {"RID-ONCE-1": 1}
    assert counters["credentials_issued"] == {"RID-ONCE-1": 1}
