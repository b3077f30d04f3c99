"""Where each person's data came from (QR signed / unsigned, e-Signet, typed), through the real
services and the real QR decoder, and how it shows in the history (`records show`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app.config.loader import load_country
from app.identity.capture import decode_file
from app.identity.mapping import identity_to_fields, qr_policy
from app.records import RecordService, WorkflowError
from app.records.provenance import DataSource, Prefill
from app.store import Database
from app.store.models import Secret
from tests.core.conftest import AGENT, REGISTRAR, farajaland_birth
from tests.core.test_cli import run

QR = Path(__file__).resolve().parents[1] / "fixtures" / "qr"
TRUSTED = QR / "issuer_ed25519_test.pem"


def scanned(service: RecordService, picture: str, section: str = "mother") -> tuple[dict[str, str], bool]:
    """What the scan dialog hands over: the section's fields and whether the signature verified."""
    policy = qr_policy(service.country, [TRUSTED.read_bytes()])
    result = decode_file(QR / picture, policy, consecutive_reads=1)
    return identity_to_fields(service.country, "birth", section, result.identity), result.signature == "valid"


def sources(service: RecordService, record_id: str) -> list[dict[str, dict]]:
    return [h.details["data_sources"] for h in service.detail(record_id).history if "data_sources" in h.details]


def test_typed_data_is_typed_and_a_default_is_not_typing(service: RecordService) -> None:
    record = service.create_draft(AGENT, "birth", {"child.firstname": "Amélie", "mother.firstname": "Zoë",
                                                   "mother.gender": "female", "father.details_available": "yes",
                                                   "father.gender": "male"})
    assert record.persons["mother"]["source"] == DataSource.TYPED
    assert "father" not in record.persons             # only the form's defaults: nobody typed them
    assert sources(service, record.id) == [{"child": {"source": "typed", "edited": False, "previous": None},
                                             "mother": {"source": "typed", "edited": False, "previous": None}}]
    again = service.update_draft(AGENT, record.id, {"mother.surname": "Banda"})
    assert again.persons["mother"] == {"source": "typed"}
    assert "data_sources" not in service.detail(record.id).history[-1].details   # no change, no entry


def test_a_signed_qr_code_then_an_edit_of_its_data(service: RecordService) -> None:
    record = service.create_draft(AGENT, "birth", {"mother.phone": "+260977123456"})
    fields, signed = scanned(service, "claim169_ed25519.png")
    assert signed and fields["mother.firstname"] == "Amelie"          # the preferred (eng) name
    record = service.prefill(AGENT, record.id, "mother", DataSource.QR_SIGNED, fields)
    mother = record.persons["mother"]
    assert mother["source"] == "qr_signed" and "source_edited" not in mother
    assert mother["source_fields"] == sorted(fields)
    assert record.declaration["mother.phone"] == fields["mother.phone"]   # the code's data replaces
    assert record.declaration["mother.surname"] == fields["mother.surname"]

    record = service.update_draft(AGENT, record.id, {"mother.firstname": "Amélie"})
    assert record.persons["mother"]["source"] == "qr_signed" and record.persons["mother"]["source_edited"]
    assert sources(service, record.id) == [
        {"mother": {"source": "typed", "edited": False, "previous": None}},
        {"mother": {"source": "qr_signed", "edited": False, "previous": "typed"}},
        {"mother": {"source": "qr_signed", "edited": True, "previous": "qr_signed"}},
    ]
    # declaring: what was typed into the other sections is typed; the mother's source stays
    declared = service.declare(AGENT, record_id=record.id, data={
        "child.firstname": "Tiwonge", "child.surname": "Banda", "child.gender": "female",
        "child.dob": "2026-11-01", "informant.relation": "mother", "father.details_available": "no"})
    assert declared.persons["mother"]["source_edited"] and declared.persons["mother"]["verification"] == "pending"
    assert set(service.detail(record.id).history[-1].details["data_sources"]) == {"child", "father", "informant"}


def test_an_unsigned_qr_code_and_a_rescan(service: RecordService) -> None:
    record = service.create_draft(AGENT, "birth", {})
    fields, signed = scanned(service, "opencrvs.png")
    assert not signed
    assert "mother.phone" not in fields
    record = service.prefill(AGENT, record.id, "mother", DataSource.QR_UNSIGNED, fields)
    assert record.persons["mother"]["source"] == "qr_unsigned"
    # a field the code did not hold is not an edit of its data …
    record = service.update_draft(AGENT, record.id, {"mother.phone": "+260977123456"})
    assert "source_edited" not in record.persons["mother"]
    # … changing one it filled in is
    record = service.update_draft(AGENT, record.id, {"mother.surname": "Phiri"})
    assert record.persons["mother"]["source_edited"]
    # scanning again replaces the data and its source: no longer edited
    signed_fields, _ = scanned(service, "claim169_ed25519.png")
    record = service.prefill(AGENT, record.id, "mother", DataSource.QR_SIGNED, signed_fields)
    assert record.persons["mother"]["source"] == "qr_signed" and "source_edited" not in record.persons["mother"]
    assert sources(service, record.id)[-1] == {"mother": {"source": "qr_signed", "edited": False,
                                                          "previous": "qr_unsigned"}}


def test_the_agent_edit_saved_with_the_prefill_wins_and_counts_as_an_edit(service: RecordService) -> None:
    fields, _ = scanned(service, "opencrvs.png")
    record = service.create_draft(AGENT, "birth", {"mother.firstname": "Améli"},
                                  prefills=[Prefill("mother", DataSource.QR_UNSIGNED, fields)])
    assert record.declaration["mother.firstname"] == "Améli"
    assert record.persons["mother"] == {"source": "qr_unsigned", "source_edited": True,
                                        "source_fields": sorted(fields)}


def test_prefills_are_checked(service: RecordService) -> None:
    record = service.create_draft(AGENT, "birth", {})
    with pytest.raises(WorkflowError, match="not a person section"):
        service.prefill(AGENT, record.id, "nobody", DataSource.QR_SIGNED, {"child.firstname": "A"})
    with pytest.raises(WorkflowError, match="belong to"):
        service.prefill(AGENT, record.id, "mother", DataSource.QR_SIGNED, {"father.firstname": "A"})
    with pytest.raises(WorkflowError, match="QR code"):
        service.prefill(AGENT, record.id, "mother", DataSource.ESIGNET, {"mother.firstname": "A"})
    declared = service.declare(AGENT, event="birth", data=farajaland_birth())
    with pytest.raises(WorkflowError, match="cannot update"):
        service.prefill(AGENT, declared.id, "mother", DataSource.QR_SIGNED, {"mother.firstname": "A"})


def test_esignet_then_an_edit_and_the_userinfo_jwt_for_rules(service: RecordService) -> None:
    record = service.create_draft(AGENT, "birth", {"informant.relation": "other", "informant.firstname": "Gr"})
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwc3V0In0.c2lnbmF0dXJl"
    record = service.record_authentication(AGENT, record.id, "informant", psut="psut-1",
                                           values={"informant.firstname": "Grace"}, userinfo_jwt=token)
    informant = record.persons["informant"]
    assert informant["source"] == "esignet" and informant["source_fields"] == ["informant.firstname"]
    assert "userinfo_jwt" not in json.dumps(record.persons) and token not in json.dumps(record.persons)
    last = service.detail(record.id).history[-1]
    assert last.details["data_sources"] == {"informant": {"source": "esignet", "edited": False,
                                                          "previous": "typed"}}
    assert last.details["userinfo_jwt_kept"] is True and token not in json.dumps(last.details)
    record = service.update_draft(AGENT, record.id, {"informant.firstname": "Grâce"})
    assert record.persons["informant"]["source_edited"] and record.persons["informant"]["psut"] == "psut-1"
    with service.db.read() as session:
        assert bytes(session.get(Secret, f"userinfo:{record.id}:informant").value).decode() == token
        assert service._persons_for_rules(session, record)["informant"]["userinfo_jwt"] == token

    # a later login without a usable token leaves none: a rule never sends another login's
    service.record_authentication(AGENT, record.id, "informant", psut="psut-2", userinfo_jwt="x" * 10)
    with service.db.read() as session:
        assert session.get(Secret, f"userinfo:{record.id}:informant") is None
    too_large = "a." + "b" * (64 * 1024) + ".c"
    service.record_authentication(AGENT, record.id, "informant", psut="psut-3", userinfo_jwt=too_large)
    assert service.detail(record.id).history[-1].details["userinfo_jwt_kept"] is False


def test_a_rule_maps_the_userinfo_jwt(tmp_path: Path, db: Database) -> None:
    """A country maps `introducerInfoToken` to `informant.userinfo_jwt`: the config loads (a known
    name) and the register action freezes the token into the packet's fields."""
    from tests.core.conftest import COUNTRIES, NOW

    country_dir = tmp_path / "farajaland"
    shutil.copytree(COUNTRIES / "farajaland", country_dir)
    yaml_path = country_dir / "country.yaml"
    text = yaml_path.read_text(encoding="utf-8")
    assert "introducerInfoToken: \"has(informant.userinfo_jwt)" in text   # Farajaland maps it
    service = RecordService(db, load_country(country_dir), clock=lambda: NOW)
    data = farajaland_birth(**{"informant.relation": "other", "informant.nid": "3456789012",
                               "informant.firstname": "Grace", "informant.surname": "Phiri"})
    del data["mother.nid"], data["father.nid"]
    record = service.declare(AGENT, event="birth", data=data)
    token = "eyJhbGciOiJQUzI1NiJ9.eyJzdWIiOiJwc3V0In0.c2ln"
    record = service.record_authentication(REGISTRAR, record.id, "informant", psut="psut-9", userinfo_jwt=token)
    assert record.persons["informant"]["source"] == "typed"   # nothing prefilled: the data's source stays
    record = service.act(REGISTRAR, record.id, "register")
    assert record.status == "awaiting_external_validation"
    detail = service.detail(record.id)
    (packet,) = [o for o in detail.outbox if o.kind == "create_uin"]
    assert packet.payload["fields"]["introducerInfoToken"] == token
    assert token not in json.dumps([h.details for h in detail.history])


def test_records_show_prints_each_persons_source(tmp_path: Path) -> None:
    """The CLI end to end: a draft, a signed QR prefill (`records prefill`), `records show`."""
    device = tmp_path / "device"
    assert run(device, "init", "--admin", "root", pin="root-pin").returncode == 0
    assert run(device, "users", "add", "ana", "--role", "agent", user="root", pin="root-pin",
               env={"CRVS_FIELD_NEW_PIN": "ana-pin"}).returncode == 0
    data = tmp_path / "draft.json"
    data.write_text(json.dumps({"child.firstname": "Amélie", "father.firstname": "José"}), encoding="utf-8")
    made = run(device, "records", "declare", "--event", "birth", "--draft", "--data", str(data),
               user="ana", pin="ana-pin")
    assert made.returncode == 0, made.stderr
    record_id = made.stdout.strip()

    refused = run(device, "records", "prefill", record_id, "--section", "mother",
                  "--qr", str(QR / "claim169_ed25519.png"), user="ana", pin="ana-pin")
    assert refused.returncode == 4 and "not trusted" in refused.stderr   # no trusted key: nothing filled
    filled = run(device, "records", "prefill", record_id, "--section", "mother", "--qr",
                 str(QR / "claim169_ed25519.png"), "--trusted-key", str(TRUSTED), "--json",
                 user="ana", pin="ana-pin")
    assert filled.returncode == 0, filled.stderr
    assert json.loads(filled.stdout)["source"] == "qr_signed"

    shown = json.loads(run(device, "records", "show", record_id, "--json", user="ana", pin="ana-pin").stdout)
    assert shown["persons"]["mother"]["source"] == "qr_signed"
    assert shown["persons"]["father"]["source"] == "typed"
    assert [h["details"].get("data_sources") for h in shown["history"]] == [
        {"child": {"source": "typed", "edited": False, "previous": None},
         "father": {"source": "typed", "edited": False, "previous": None}},
        {"mother": {"source": "qr_signed", "edited": False, "previous": None}}]
    text = run(device, "records", "show", record_id, user="ana", pin="ana-pin").stdout
    assert "mother: none — data: signed QR code" in text
    assert "data-source            father: typed by hand" in text
    assert "data-source            mother: signed QR code" in text
