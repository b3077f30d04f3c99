"""The OpenCRVS protocol client against the OpenCRVS emulator on loopback: the token is read from
its signed JWT and kept until a minute before `exp`, a 401 gets one new token, a forged token is
refused, nothing over 100 000 bytes is sent, and a declaration whose e-Signet photos would pass
that limit goes without the photos (or is refused on the record when even that is too large)."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from app.config.loader import load_country
from app.opencrvs.client import MAX_BODY_BYTES, BodyTooLarge, OpenCrvsClient, OpenCrvsUnauthorized
from app.opencrvs.settings import OpenCrvsSettings
from app.opencrvs.tokens import AccessToken, TokenCache, TokenRefused, read_token
from app.records import Actor, Role
from app.vocabulary import Status, UpstreamState
from opencrvs_emulator.server import OpenCrvsServer
from tests.core.conftest import COUNTRIES
from tests.opencrvs.conftest import CLIENT, Office
from tests.opencrvs.test_submission import birth, notify_actions

AGENT = Actor("ana", Role.AGENT)
OFFICE = "1f61cc66-54ee-5966-8eb5-22892067bc6a"


def settings(server: OpenCrvsServer, client: str = CLIENT) -> OpenCrvsSettings:
    farajaland = load_country(COUNTRIES / "farajaland")
    assert farajaland.config.opencrvs is not None
    credentials = server.clients()[client]
    return OpenCrvsSettings(server.base_url, credentials["client_id"], credentials["secret"], OFFICE,
                            {e.value: m for e, m in farajaland.config.opencrvs.events.items()}, timeout=5)


def with_client(server: OpenCrvsServer, tokens: TokenCache, fn: Callable[[OpenCrvsClient], Any]) -> Any:
    async def run() -> Any:
        async with httpx.AsyncClient(timeout=5) as http:
            return await fn(OpenCrvsClient(settings(server), http, tokens))
    return asyncio.run(run())


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_the_token_is_kept_until_a_minute_before_it_expires(opencrvs_factory: Callable[..., OpenCrvsServer]) -> None:
    long_lived, short_lived = opencrvs_factory(), opencrvs_factory(token_seconds=45)
    for server, expected in ((long_lived, 1), (short_lived, 3)):
        tokens = TokenCache()
        for _ in range(3):
            with_client(server, tokens, lambda c: c.search_ids(["00000000-0000-4000-8000-000000000000"]))
        assert tokens.fetched == expected
        assert tokens.token is not None and tokens.token.has_scope("record.search", "birth")
        assert not tokens.token.has_scope("record.read")
        assert server.counters()["tokens_issued"] == expected


def test_a_refused_token_is_replaced_once_then_the_client_is_reported(opencrvs: OpenCrvsServer) -> None:
    tokens = TokenCache()
    with_client(opencrvs, tokens, lambda c: c.token())
    assert tokens.token is not None
    tokens.token = AccessToken("not.a-valid.token", tokens.token.expires_at, tokens.token.scopes)
    assert with_client(opencrvs, tokens, lambda c: c.search_ids(["00000000-0000-4000-8000-000000000000"])) == []
    assert tokens.fetched == 2

    wrong = OpenCrvsSettings(opencrvs.base_url, "b01ebe4a-2ed6-5aab-a007-92e680276530", "wrong-secret", OFFICE, {})

    async def refused() -> None:
        async with httpx.AsyncClient(timeout=5) as http:
            await OpenCrvsClient(wrong, http).token()
    with pytest.raises(OpenCrvsUnauthorized):
        asyncio.run(refused())


def test_a_token_not_signed_by_the_auth_service_is_refused(opencrvs: OpenCrvsServer) -> None:
    tokens = TokenCache()
    real = with_client(opencrvs, tokens, lambda c: c.token())
    header, payload, _ = real.value.split(".")
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged_claims = {**json.loads(base64.urlsafe_b64decode(payload + "==")), "scope": ["type=record.read"]}
    forged_payload = b64(json.dumps(forged_claims).encode())
    signature = stranger.sign(f"{header}.{forged_payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
    with pytest.raises(TokenRefused) as refused:
        read_token(f"{header}.{forged_payload}.{b64(signature)}", tokens.public_key)
    assert refused.value.code == "opencrvs.token_refused" and "not signed" in refused.value.message
    unsigned = f"{b64(json.dumps({'alg': 'none'}).encode())}.{payload}."
    with pytest.raises(TokenRefused):
        read_token(unsigned, tokens.public_key)


def test_nothing_over_100_kb_is_sent(opencrvs: OpenCrvsServer) -> None:
    tokens = TokenCache()
    with pytest.raises(BodyTooLarge) as too_large:
        with_client(opencrvs, tokens, lambda c: asyncio.sleep(0, c.notify_body("t", {"x": "y" * MAX_BODY_BYTES})))
    assert too_large.value.params["limit"] == 100_000
    assert opencrvs.counters()["totals"].get("events_created", 0) == 0


def userinfo_jwt(sub: str, **claims: Any) -> str:
    header = b64(json.dumps({"alg": "RS256", "kid": "esignet"}).encode())
    return f"{header}.{b64(json.dumps({'sub': sub, **claims}).encode())}.{b64(b'signature')}"


def authenticated_draft(office: Office, extra: dict[str, Any]) -> str:
    data = {k: v for k, v in birth().items() if not k.startswith("mother.")}
    data.update({"father.details_available": "yes", "informant.relation": "grandparent"})
    with office.device() as (device, _):
        records = device.records
        record_id = records.create_draft(AGENT, "birth", data).id
        for section, given in (("mother", "Zoe"), ("father", "Jose"), ("informant", "Ada")):
            values = {f"{section}.firstname": given, f"{section}.surname": "Banda", f"{section}.dob": "1990-02-03"}
            records.record_authentication(AGENT, record_id, section, psut=f"psut-{section}", values=values,
                                          userinfo_jwt=userinfo_jwt(f"psut-{section}", name=f"{given} Banda", **extra))
        records.declare(AGENT, record_id=record_id)
    return record_id


def test_photos_that_would_pass_the_limit_are_left_out(quick_office: Office) -> None:
    office = quick_office
    photo = "data:image/jpeg;base64," + "A" * 40_000     # three of these pass OpenCRVS's 100 kB
    record_id = authenticated_draft(office, {"picture": photo})
    with office.device() as (_, agent):
        agent.run_once()
    with office.device() as (device, _):
        assert device.records.upstream_status(record_id).state is UpstreamState.INCOMPLETE
        [item] = [o for o in device.records.detail(record_id).outbox if o.kind == "opencrvs_notify"]
        assert item.payload["photos_dropped"] is True
    [event] = office.crvs.events()
    declaration = notify_actions(event)[0]["declaration"]
    assert declaration["mother.verified"] == "authenticated" and declaration["mother.nid"] == "psut-mother"
    assert declaration["mother.verify-nid-http-fetch"] == {"data": {"sub": "psut-mother", "name": "Zoe Banda"}}
    assert declaration["father.verify-nid-http-fetch"]["data"]["sub"] == "psut-father"


def test_a_declaration_too_large_even_without_photos_is_refused_on_the_record(quick_office: Office,
                                                                             tmp_path: Path) -> None:
    office = quick_office
    record_id = authenticated_draft(office, {"address": {"street": "B" * 40_000}})
    with office.device() as (_, agent):
        agent.run_once()
    with office.device() as (device, _):
        record = device.records.get(record_id)
        status = device.records.upstream_status(record_id)
    assert record.status == Status.DRAFT and record.requires_attention
    assert status.state is UpstreamState.REFUSED and "opencrvs.body_too_large" in (record.attention_reason or "")
    assert office.crvs.events() == []                    # refused before anything was sent


def test_a_refusal_never_carries_the_declaration_s_values_back() -> None:
    """A 400 whose field list cannot be read as one (no string ids) must not put its `value`s — the
    person's name — into the error kept on the record and logged."""
    from app.opencrvs.client import OpenCrvsClient, OpenCrvsConflict, OpenCrvsRefused

    listed = json.dumps([{"message": "Invalid input", "id": 7, "value": "Zoë Banda"}])
    with pytest.raises(OpenCrvsRefused) as refused:
        OpenCrvsClient._read(httpx.Response(400, json={"message": listed, "code": "BAD_REQUEST"}))
    assert "Zoë" not in refused.value.message and "400" in refused.value.message
    with pytest.raises(OpenCrvsConflict) as conflict:
        OpenCrvsClient._read(httpx.Response(409, json={"message": "x" * 5000}))
    assert len(conflict.value.message) <= 200
