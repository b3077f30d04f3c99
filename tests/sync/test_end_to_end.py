"""Issue 4's end-to-end scenario through the command line, against the emulator over loopback."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.sync.conftest import AGENT_PIN, REGISTRAR_PIN, LinkedDevice, person, section_values


def declare(linked: LinkedDevice, tmp_path: Path, event: str, data: dict[str, str]) -> str:
    path = tmp_path / f"{event}-{len(data)}-{abs(hash(json.dumps(data, sort_keys=True)))}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = linked.cli("records", "declare", "--event", event, "--data", str(path), user="ana", pin=AGENT_PIN)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def show(linked: LinkedDevice, record_id: str) -> dict:
    result = linked.cli("records", "show", record_id, "--json", user="ana", pin=AGENT_PIN)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def sync_once(linked: LinkedDevice, linger: float = 0) -> dict:
    result = linked.cli("sync", "--once", "--json", "--linger", str(linger))
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def test_verify_register_confirm_correct_and_deactivate(linked: LinkedDevice, tmp_path: Path) -> None:
    mother, father = person("Female"), person("Male")
    birth = {"child.firstname": "Amélie", "child.surname": "Banda", "child.gender": "female",
             "child.dob": "2026-11-01", "informant.relation": "mother",
             **section_values("mother", mother), **section_values("father", father),
             "father.firstname": "Nobody", "father.middlename": ""}
    birth = {k: v for k, v in birth.items() if v}
    record_id = declare(linked, tmp_path, "birth", birth)

    summary = sync_once(linked)
    assert summary["verified"] == 1 and summary["failed"] == 1 and summary["quarantined"] == 0
    view = show(linked, record_id)
    assert view["status"] == "verification_failed"
    assert view["persons"]["mother"]["verification"] == "verified"
    assert view["persons"]["father"] == {"verification": "failed", "failed_attributes": ["name"], "source": "typed"}

    # an eligible birth whose parents match: registered, UIN requested, confirmed by WebSub
    good = declare(linked, tmp_path, "birth", {**birth, **section_values("father", father)})
    sync_once(linked)
    assert show(linked, good)["status"] == "validated"
    registered = linked.cli("records", "act", good, "register", user="rex", pin=REGISTRAR_PIN)
    assert registered.returncode == 0, registered.stderr
    assert show(linked, good)["status"] == "awaiting_external_validation"
    summary = sync_once(linked, linger=15)
    assert summary["sent"] == 1
    view = show(linked, good)
    assert view["status"] == "registered", view["history"][-3:]
    vid = view["mosip"]["vid"]
    assert len(vid) == 16 and "uin" not in view["mosip"]  # Farajaland keeps the VID only
    assert view["declaration"]["child.nid"] == vid
    # MOSIP may confirm before the sender has written that the packet was delivered (the hub
    # calls back while the drain's outcome is still being committed): either order, both kept
    assert sorted(h["kind"] for h in view["history"][-2:]) == ["confirm-registration", "mosip-delivered"]
    counters = linked.emulator.counters()
    assert counters["packets_created"][view["mosip"]["rid"]] == 1

    # a correction of the under-10 child's name reaches MOSIP as CRVS_UPDATE; the record stays registered
    change = tmp_path / "correction.json"
    change.write_text(json.dumps({"child.firstname": "Amelia"}), encoding="utf-8")
    requested = linked.cli("records", "act", good, "request-correction", "--data", str(change),
                           "--reason", "spelling", user="ana", pin=AGENT_PIN)
    assert requested.returncode == 0, requested.stderr
    approved = linked.cli("records", "act", good, "approve-correction", user="rex", pin=REGISTRAR_PIN)
    assert approved.returncode == 0, approved.stderr
    assert sync_once(linked)["sent"] == 1
    assert show(linked, good)["status"] == "registered"
    identity = httpx.get(f"{linked.emulator.base_url}/admin/identities/{vid}").json()
    assert "Amelia" in json.dumps(identity, ensure_ascii=False)

    # a death whose deceased has a VID deactivates the identity in MOSIP
    deceased = person("Male", skip=3)
    death = {"deceased.nid": deceased["vid"], "deceased.firstname": deceased["given_name"]["eng"],
             "deceased.surname": deceased["family_name"]["eng"], "deceased.gender": "male",
             "deceased.date_of_death": "2026-11-20", "informant.relation": "son",
             "informant.firstname": "Kondwani", "informant.surname": "Mwale"}
    if deceased["middle_name"]["eng"]:
        death["deceased.middlename"] = deceased["middle_name"]["eng"]
    death_id = declare(linked, tmp_path, "death", death)
    sync_once(linked)
    assert show(linked, death_id)["persons"]["deceased"]["verification"] == "verified"
    assert linked.cli("records", "act", death_id, "register", user="rex", pin=REGISTRAR_PIN).returncode == 0
    assert sync_once(linked)["sent"] == 1
    assert show(linked, death_id)["status"] == "registered"
    state = httpx.get(f"{linked.emulator.base_url}/admin/identities/{deceased['uin']}").json()
    assert state["status"] == "DEACTIVATED"
