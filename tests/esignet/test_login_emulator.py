"""The e-Signet login against the MOSIP emulator, driven over HTTP as the person would in a browser."""

from __future__ import annotations

import json
import logging
import socket
import threading
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from app.identity.esignet_api import ESignetState
from app.mosip.esignet import ESignetClient
from app.records import RecordService

from .conftest import (
    AGENT,
    CLIENT,
    CLIENT_B,
    CLIENT_JWE,
    TYPED,
    Browser,
    make_login,
    snapshot,
    with_esignet,
)


def login(country: Any, records: RecordService, record_id: str, browser: Browser, section: str = "mother",
          language: str = "en", cancel: threading.Event | None = None) -> Any:
    outcome = make_login(country, records, language).login(record_id, section, open_url=browser,
                                                           cancel=cancel or threading.Event())
    browser.join()
    return outcome


def test_full_login_prefills_the_draft_and_stores_the_psut(country, records, draft, jane, emulator):
    browser = Browser(jane["uin"])
    outcome = login(country, records, draft.id, browser)

    assert outcome.state is ESignetState.AUTHENTICATED, outcome.message
    assert outcome.fields == {
        "mother.firstname": jane["given_name"]["eng"],
        "mother.middlename": jane["middle_name"]["eng"],        # middle names are kept
        "mother.surname": jane["family_name"]["eng"],
        "mother.dob": jane["dob"].replace("/", "-"),             # yyyy/MM/dd → ISO
        "mother.gender": "female",                               # "Female" / "Féminin" → female
        "mother.phone": jane["phone"],
    }
    record = records.get(draft.id)
    assert record.status == "draft"
    assert record.declaration == {**TYPED, **outcome.fields}     # other sections untouched
    mother = record.persons["mother"]
    assert mother["verification"] == "authenticated" and mother["source"] == "esignet"
    assert mother["psut"] == outcome.psut and len(outcome.psut) >= 32
    assert jane["uin"] not in json.dumps(record.declaration) + json.dumps(record.persons)  # no UIN stored
    tokens = emulator.state()["esignet"]["tokens"]
    assert any(t["sub"] == outcome.psut and t["client_id"] == CLIENT for t in tokens)
    history = records.detail(draft.id).history
    assert history[-1].kind == "authenticate" and history[-1].details["section"] == "mother"

    # the authorization request a native app must send (RFC 8252, PKCE, OIDC)
    query = {k: v[0] for k, v in parse_qs(urlsplit(browser.urls[0]).query).items()}
    assert query["response_type"] == "code" and query["client_id"] == CLIENT
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32 and query["state"] != query["nonce"]
    redirect = urlsplit(query["redirect_uri"])
    assert (redirect.scheme, redirect.hostname, redirect.path) == ("http", "127.0.0.1", "/callback")
    assert redirect.port and redirect.port > 0
    assert query["acr_values"] == "mosip:idp:acr:generated-code mosip:idp:acr:biometrics"
    assert query["ui_locales"] == "en" and query["claims_locales"] == "en fr"
    claims = json.loads(query["claims"])
    assert claims["userinfo"]["name"] == {"essential": True}
    assert claims["userinfo"]["phone_number"] == {"essential": False}
    assert "openid" in query["scope"].split()
    assert browser.callback is not None and browser.callback.status_code == 200
    assert "You can close this window" in browser.callback.text


def test_the_psut_is_pairwise_per_client_and_stable(farajaland, emulator, records, jane):
    a = with_esignet(farajaland, issuer=emulator.base_url, client_id=CLIENT)
    b = with_esignet(farajaland, issuer=emulator.base_url, client_id=CLIENT_B)
    first = records.create_draft(AGENT, "birth", {})
    second = records.create_draft(AGENT, "birth", {})
    third = records.create_draft(AGENT, "birth", {})
    by_a = login(a, records, first.id, Browser(jane["uin"]))
    by_b = login(b, records, second.id, Browser(jane["uin"]))
    again_a = login(a, records, third.id, Browser(jane["vid"]))   # the VID leads to the same person
    assert {by_a.state, by_b.state, again_a.state} == {ESignetState.AUTHENTICATED}
    assert by_a.psut != by_b.psut
    assert by_a.psut == again_a.psut
    assert records.get(second.id).persons["mother"]["psut"] == by_b.psut


def test_encrypted_userinfo_is_decrypted_then_verified(farajaland, emulator, records, draft, jane, monkeypatch):
    country = with_esignet(farajaland, issuer=emulator.base_url, client_id=CLIENT_JWE)
    seen: list[int] = []
    original = ESignetClient._decrypt_userinfo

    def spy(self: ESignetClient, token: str) -> str:
        seen.append(token.count("."))
        return original(self, token)

    monkeypatch.setattr(ESignetClient, "_decrypt_userinfo", spy)
    outcome = login(country, records, draft.id, Browser(jane["uin"]))
    assert outcome.state is ESignetState.AUTHENTICATED, outcome.message
    assert seen == [4]                                    # a 5-part nested JWE arrived and was opened
    assert outcome.fields["mother.surname"] == jane["family_name"]["eng"]
    assert records.get(draft.id).persons["mother"]["psut"] == outcome.psut


def test_encrypted_userinfo_without_a_decryption_key_fails_cleanly(farajaland, emulator, records, draft, jane):
    country = with_esignet(farajaland, issuer=emulator.base_url, client_id=CLIENT_JWE, encryption_key=None)
    before = snapshot(records, draft.id)
    outcome = login(country, records, draft.id, Browser(jane["uin"]))
    assert outcome.state is ESignetState.FAILED
    assert "encryption key" in outcome.message and "nothing was changed" in outcome.message
    assert snapshot(records, draft.id) == before


def test_french_user_gets_french_pages(country, records, draft, jane):
    browser = Browser(jane["uin"])
    outcome = login(country, records, draft.id, browser, language="fr")
    assert outcome.state is ESignetState.AUTHENTICATED
    assert parse_qs(urlsplit(browser.urls[0]).query)["ui_locales"] == ["fr"]
    assert browser.callback is not None and 'lang="fr"' in browser.callback.text
    assert "Vous pouvez fermer cette fenêtre" in browser.callback.text
    # the names still come in the country's first MOSIP language (eng), as the form expects
    assert outcome.fields["mother.firstname"]


def test_a_declared_record_keeps_its_data_but_the_person_is_authenticated(country, records, jane):
    data = {"child.firstname": "Tiwonge", "child.surname": "Banda", "child.gender": "female",
            "child.dob": "2026-11-01", "mother.nid": "1234567890", "mother.firstname": "Zoë",
            "mother.surname": "Banda", "informant.relation": "mother", "father.details_available": "no"}
    record = records.declare(AGENT, event="birth", data=data)
    assert records.get(record.id).persons["mother"]["verification"] == "pending"
    outcome = login(country, records, record.id, Browser(jane["uin"]))
    assert outcome.state is ESignetState.AUTHENTICATED
    after = records.detail(record.id)
    assert after.record.declaration["mother.firstname"] == "Zoë"       # not a draft: nothing overwritten
    assert after.record.persons["mother"]["verification"] == "authenticated"
    assert [v.status for v in after.verifications if v.section == "mother"] == ["cancelled"]
    assert "not written" in outcome.message


@pytest.mark.parametrize("action, words", [
    ("cancel_consent", "cancelled the e-Signet login or refused consent"),
    ("cancel_login", "cancelled the e-Signet login or refused consent"),
])
def test_the_person_cancelling_changes_nothing(country, records, draft, jane, action, words):
    before = snapshot(records, draft.id)
    outcome = login(country, records, draft.id, Browser(jane["uin"], action=action))
    assert outcome.state is ESignetState.FAILED
    assert words in outcome.message
    assert snapshot(records, draft.id) == before


def test_the_agent_cancelling_changes_nothing(country, records, draft, jane):
    before = snapshot(records, draft.id)
    cancel = threading.Event()
    browser = Browser(jane["uin"], action="nothing")

    def open_url(url: str) -> None:
        browser(url)
        cancel.set()      # the agent presses Cancel while the browser waits

    outcome = make_login(country, records).login(draft.id, "mother", open_url=open_url, cancel=cancel)
    browser.join()
    assert outcome.state is ESignetState.FAILED
    assert "cancelled" in outcome.message
    assert snapshot(records, draft.id) == before


def test_a_login_never_finished_times_out(farajaland, emulator, records, draft, jane):
    country = with_esignet(farajaland, issuer=emulator.base_url, client_id=CLIENT, timeout_seconds=1.0)
    before = snapshot(records, draft.id)
    outcome = login(country, records, draft.id, Browser(jane["uin"], action="wrong_otp"))
    assert outcome.state is ESignetState.FAILED
    assert "took too long" in outcome.message
    assert snapshot(records, draft.id) == before


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_esignet_is_offline(farajaland, records, draft):
    country = with_esignet(farajaland, issuer=f"http://127.0.0.1:{_closed_port()}")
    login_service = make_login(country, records)
    available, why = login_service.availability()
    assert available is False and "cannot be reached" in why
    before = snapshot(records, draft.id)
    opened: list[str] = []
    outcome = login_service.login(draft.id, "mother", open_url=opened.append, cancel=threading.Event())
    assert outcome.state is ESignetState.OFFLINE and "cannot be reached" in outcome.message
    assert opened == []                                  # no browser opened for nothing
    assert snapshot(records, draft.id) == before


def test_available_when_esignet_answers(country, records):
    assert make_login(country, records).availability() == (True, None)


def test_a_country_without_esignet_is_offline(farajaland, records, draft):
    identity = farajaland.config.identity.model_copy(update={"esignet": None})
    import dataclasses

    country = dataclasses.replace(farajaland, config=farajaland.config.model_copy(update={"identity": identity}))
    service = make_login(country, records)
    assert service.availability() == (False, "e-Signet is not configured for this country")
    outcome = service.login(draft.id, "mother", open_url=lambda url: None, cancel=threading.Event())
    assert outcome.state is ESignetState.OFFLINE


@pytest.mark.parametrize("record_id, section, words", [
    (None, "child", "e-Signet does not apply"),       # a newborn has no ID yet
    (None, "nobody", "not a person section"),
    ("no-such-record", "mother", "no record"),
])
def test_bad_targets_are_refused_before_any_network(country, records, draft, record_id, section, words):
    opened: list[str] = []
    outcome = make_login(country, records).login(record_id or draft.id, section, open_url=opened.append,
                                                 cancel=threading.Event())
    assert outcome.state is ESignetState.FAILED and words in outcome.message
    assert opened == []


def test_a_user_who_may_not_authenticate_people_is_refused_before_any_network(country, records, draft):
    from app.identity.esignet_login import ESignetLoginService
    from app.records import Actor, Role

    opened: list[str] = []
    service = ESignetLoginService(country, records, Actor("root", Role.ADMIN))
    outcome = service.login(draft.id, "mother", open_url=opened.append, cancel=threading.Event())
    assert outcome.state is ESignetState.FAILED and "needs the role" in outcome.message
    assert opened == []


def test_nothing_personal_is_logged(country, records, draft, jane, caplog, monkeypatch):
    secrets_seen: list[str] = []
    exchange = ESignetClient.exchange_code
    verify = ESignetClient._verify_jws

    def keep_tokens(self: ESignetClient, *args: Any, **kwargs: Any) -> dict[str, Any]:
        tokens = exchange(self, *args, **kwargs)
        secrets_seen.extend([tokens["access_token"], tokens["id_token"]])
        return tokens

    def keep_jwts(self: ESignetClient, meta: Any, token: str, *args: Any, **kwargs: Any) -> Any:
        secrets_seen.append(token)
        return verify(self, meta, token, *args, **kwargs)

    monkeypatch.setattr(ESignetClient, "exchange_code", keep_tokens)
    monkeypatch.setattr(ESignetClient, "_verify_jws", keep_jwts)
    caplog.set_level(logging.DEBUG)
    outcome = login(country, records, draft.id, Browser(jane["uin"]))
    assert outcome.state is ESignetState.AUTHENTICATED
    failed = make_login(country, records).login(draft.id, "mother", cancel=threading.Event(),
                                                open_url=Browser(jane["vid"], action="cancel_consent"))
    assert failed.state is ESignetState.FAILED

    logged = "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''} {r.stack_info or ''}" for r in caplog.records)
    assert "e-Signet login" in logged                   # the login did log, at INFO and DEBUG
    personal = [jane["uin"], jane["vid"], jane["dob"], jane["dob"].replace("/", "-"), jane["phone"],
                jane["email"], outcome.psut, *secrets_seen]
    for names in ("given_name", "middle_name", "family_name", "full_name"):
        personal += [value for value in jane[names].values() if value]
    assert len(secrets_seen) >= 4
    leaked = [value for value in personal if value and value in logged]
    assert leaked == []


@pytest.mark.parametrize("client", [CLIENT, CLIENT_JWE])
def test_the_verified_userinfo_jwt_is_kept_for_rules_and_never_logged(farajaland, emulator, records, draft,
                                                                        jane, client, caplog, monkeypatch):
    """MOSIP's CRVS packets carry the informant's e-Signet userinfo JWT (`introducerInfoToken`,
    `deceasedInformer`: mosip/documentation docs/interoperability/integrations/mosip-crvs/approach/
    technical-details.md). The device keeps the verified compact JWS — the inner one of a JWE —
    in its encrypted store, and rules reach it as `<section>.userinfo_jwt`."""
    import datetime as dt

    from app.records.service import userinfo_jwt_name
    from app.rules import RuleEnvironment, build_activation
    from app.rules.context import vocabulary_for
    from app.security.secrets import SecretStore
    from crvs_field.cli.records import record_json

    verified: list[tuple[str, str]] = []
    verify = ESignetClient._verify_jws

    def keep(self: ESignetClient, meta: Any, token: str, timeout: float, what: str, **kwargs: Any) -> Any:
        verified.append((what, token))
        return verify(self, meta, token, timeout, what, **kwargs)

    monkeypatch.setattr(ESignetClient, "_verify_jws", keep)
    caplog.set_level(logging.DEBUG)
    country = with_esignet(farajaland, issuer=emulator.base_url, client_id=client)
    outcome = login(country, records, draft.id, Browser(jane["uin"]))
    assert outcome.state is ESignetState.AUTHENTICATED, outcome.message

    stored = SecretStore(records.db).get(userinfo_jwt_name(draft.id, "mother"))
    assert stored is not None
    token = stored.decode("ascii")
    assert [t for what, t in verified if what == "userinfo"] == [token]    # the JWS that was verified
    assert token.count(".") == 2                                           # a JWE is not kept, its JWS is

    detail = records.detail(draft.id)
    last = detail.history[-1]
    assert last.kind == "authenticate" and last.details["userinfo_jwt_kept"] is True
    assert last.details["data_sources"] == {"mother": {"source": "esignet", "edited": False, "previous": "typed"}}
    assert detail.record.persons["mother"]["source"] == "esignet"
    shown = json.dumps(record_json(detail), default=str)
    assert token not in shown and token not in json.dumps(detail.record.persons)

    form = country.config.form("birth")
    expression = RuleEnvironment(country.config.identity.fields, country.config.mosip.ida.gender_values).compile(
        "has(mother.userinfo_jwt) ? mother.userinfo_jwt : ''", vocabulary_for(form))
    with records.db.read() as session:
        persons = records._persons_for_rules(session, detail.record)
    activation = build_activation(form, detail.record.declaration, persons=persons, today=dt.date.today(),
                                  event="birth")
    assert expression.evaluate_text(activation) == token

    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert token not in logged and token.split(".")[1] not in logged
