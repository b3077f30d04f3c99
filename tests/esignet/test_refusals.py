"""Refusals modelled on the OpenID Connect RP certification tests, against a hostile provider.

Each defect must end the login with a clear message, and the record must stay exactly as it was
(no prefill, no PSUT, no audit event)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.identity.esignet_api import ESignetState

from .conftest import AGENT, CLIENT, make_login, public_jwk, snapshot, with_esignet
from .hostile import HostileProvider, Served


@pytest.fixture(scope="session")
def provider() -> Iterator[HostileProvider]:
    op = HostileProvider(CLIENT, public_jwk("esignet-client.pub.jwk.json"))
    from starlette.applications import Starlette

    served = Served(Starlette(routes=op.routes()))
    op.issuer = served.base_url
    yield op
    served.stop()


@pytest.fixture
def hostile(provider: HostileProvider) -> Iterator[HostileProvider]:
    provider.reset()
    yield provider
    provider.reset()


class RedirectingBrowser:
    """A browser: GET the authorization URL, follow its redirect to the loopback listener."""

    def __init__(self) -> None:
        self.thread: threading.Thread | None = None
        self.callback: httpx.Response | None = None
        self.urls: list[str] = []

    def __call__(self, url: str) -> None:
        self.urls.append(url)
        self.thread = threading.Thread(target=self._run, args=(url,), daemon=True)
        self.thread.start()

    def _run(self, url: str) -> None:
        with httpx.Client(follow_redirects=False, timeout=10) as http:
            response = http.get(url)
            if response.status_code == 302:
                self.callback = http.get(response.headers["location"])

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join(timeout=10)


def run_login(farajaland: Any, records: Any, hostile: HostileProvider, record_id: str,
              **esignet: Any) -> Any:
    country = with_esignet(farajaland, issuer=hostile.issuer, client_id=CLIENT, **esignet)
    browser = RedirectingBrowser()
    outcome = make_login(country, records).login(record_id, "mother", open_url=browser, cancel=threading.Event())
    browser.join()
    return outcome


def test_the_hostile_provider_without_defect_lets_a_correct_client_in(farajaland, records, draft, hostile):
    """The control: our client passes the provider's own strict checks (assertion, PKCE)."""
    first = run_login(farajaland, records, hostile, draft.id)
    assert first.state is ESignetState.AUTHENTICATED, first.message
    assert first.psut == hostile.subject
    assert first.fields == {"mother.firstname": "Chikondi", "mother.middlename": "Grace",
                            "mother.surname": "Mwale", "mother.dob": "1985-07-14", "mother.gender": "female",
                            "mother.phone": "+260975550101"}
    second_record = records.create_draft(AGENT, "birth", {})
    second = run_login(farajaland, records, hostile, second_record.id)
    assert second.state is ESignetState.AUTHENTICATED
    (h1, c1), (_, c2) = hostile.assertions
    assert h1["kid"] == "farajaland-esignet-client-demo" and h1["alg"] in ("RS256", "PS256")
    assert c1["iss"] == c1["sub"] == CLIENT and c1["aud"] == hostile.issuer + "/v1/esignet/oauth/v2/token"
    assert 0 < c1["exp"] - c1["iat"] <= 300
    assert c1["jti"] != c2["jti"]                     # a fresh jti for every token request


@pytest.mark.parametrize("defect, accepted", [("kid_rotation", True), ("id_unknown_kid", False)])
def test_an_unknown_kid_refreshes_the_cached_jwks_once(farajaland, records, hostile, defect, accepted):
    country = with_esignet(farajaland, issuer=hostile.issuer, client_id=CLIENT)
    service = make_login(country, records)               # one client: discovery and JWKS cached
    first, second = (records.create_draft(AGENT, "birth", {}) for _ in range(2))
    browser = RedirectingBrowser()
    assert service.login(first.id, "mother", open_url=browser, cancel=threading.Event()).state \
        is ESignetState.AUTHENTICATED
    browser.join()
    assert hostile.jwks_fetches == 1
    hostile.defect = defect                               # the provider now signs with another kid
    before = snapshot(records, second.id)
    browser = RedirectingBrowser()
    outcome = service.login(second.id, "mother", open_url=browser, cancel=threading.Event())
    browser.join()
    assert hostile.jwks_fetches == 2                      # exactly one refresh, then use or refuse
    if accepted:
        assert outcome.state is ESignetState.AUTHENTICATED, outcome.message
    else:
        assert outcome.state is ESignetState.FAILED
        assert "signed with a key e-Signet does not publish" in outcome.message
        assert snapshot(records, second.id) == before


REFUSALS = [
    # id_token (OIDC Core §3.1.3.7)
    ("id_bad_signature", "id_token signature is not valid"),
    ("id_wrong_key", "id_token signature is not valid"),
    ("id_alg_none", "forbidden signature algorithm (none)"),
    ("id_hs256", "forbidden signature algorithm (hs256)"),
    ("id_wrong_iss", "issued by another provider"),
    ("id_wrong_aud", "issued to another client"),
    ("id_expired", "id_token has expired"),
    ("id_nonce_mismatch", "nonce mismatch"),
    ("id_missing_nonce", "lacks required claims (nonce)"),
    ("id_unknown_kid", "signed with a key e-signet does not publish"),
    ("id_at_hash", "does not match the access token (at_hash)"),
    # userinfo
    ("ui_bad_signature", "userinfo signature is not valid"),
    ("ui_wrong_key", "userinfo signature is not valid"),
    ("ui_alg_none", "forbidden signature algorithm (none)"),
    ("ui_sub_mismatch", "about someone else"),
    ("ui_unsigned", "unsigned"),
    # the redirect (RFC 6749 §10.12, RFC 9207)
    ("state_mismatch", "state mismatch"),
    ("iss_mismatch", "iss mismatch"),
    ("missing_iss", "lacks its issuer"),
    ("error_redirect", "e-signet refused the login (server_error: ida-mlc-007 script"),
    ("access_denied", "cancelled the e-signet login or refused consent"),
    # the token endpoint
    ("token_error", "refused the token request (invalid_grant: code expired)"),
]


@pytest.mark.parametrize("defect, words", REFUSALS, ids=[d for d, _ in REFUSALS])
def test_refused_with_a_clear_message_and_the_record_untouched(farajaland, records, draft, hostile, defect, words):
    hostile.reset(defect)
    before = snapshot(records, draft.id)
    outcome = run_login(farajaland, records, hostile, draft.id)
    assert outcome.state is ESignetState.FAILED
    assert words in outcome.message.lower()
    assert "nothing was changed" in outcome.message
    assert outcome.fields == {} and outcome.psut is None
    assert snapshot(records, draft.id) == before
    assert "<" not in outcome.message                   # provider text is never passed through raw


@pytest.mark.parametrize("defect, timeout, words", [
    ("no_redirect", 1.0, "took too long"),
    ("token_slow", 2.0, "did not answer the token request in time"),
])
def test_timeouts_are_failures_that_change_nothing(farajaland, records, draft, hostile, defect, timeout, words):
    hostile.reset(defect)
    before = snapshot(records, draft.id)
    outcome = run_login(farajaland, records, hostile, draft.id, timeout_seconds=timeout)
    assert outcome.state is ESignetState.FAILED
    assert words in outcome.message
    assert snapshot(records, draft.id) == before
