"""Refusals modelled on the OpenID Connect RP certification tests, against a hostile provider.

Each defect must end the login with a clear message, and the record must stay exactly as it was
(no prefill, no PSUT, no audit event)."""

from __future__ import annotations

import threading
import time
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


# ------------------------------------------------------------------ what was authenticated, and by whom

@pytest.mark.parametrize("defect, words, code", [
    ("acr_weak", "a method this country does not accept (mosip:idp:acr:static-code)", "esignet.acr_insufficient"),
    ("acr_missing", "did not say how the person was authenticated (no acr)", "esignet.acr_missing"),
    ("ui_wrong_iss", "issued by another provider (iss)", "esignet.userinfo_issuer_mismatch"),
])
def test_a_weak_or_unsaid_acr_and_a_foreign_userinfo_issuer_are_refused(farajaland, records, draft, hostile,
                                                                         defect, words, code):
    hostile.reset(defect)
    before = snapshot(records, draft.id)
    outcome = run_login(farajaland, records, hostile, draft.id)
    assert outcome.state is ESignetState.FAILED
    assert words in outcome.message and outcome.code == code
    assert outcome.psut is None and outcome.fields == {}
    assert snapshot(records, draft.id) == before            # the person is not marked authenticated
    assert records.get(draft.id).persons.get("mother", {}).get("verification") != "authenticated"


def test_the_country_chooses_the_acceptable_acr(farajaland, records, draft, hostile):
    hostile.reset("acr_weak")
    outcome = run_login(farajaland, records, hostile, draft.id,
                        accepted_acr=["mosip:idp:acr:static-code", "mosip:idp:acr:generated-code"])
    assert outcome.state is ESignetState.AUTHENTICATED, outcome.message


def test_one_accepted_acr_among_the_satisfied_ones_is_enough(farajaland, records, draft, hostile):
    hostile.reset("acr_several")
    outcome = run_login(farajaland, records, hostile, draft.id)
    assert outcome.state is ESignetState.AUTHENTICATED, outcome.message


def test_plain_signed_userinfo_is_refused_when_encryption_is_configured(farajaland, records, draft, hostile):
    encryption_key = farajaland.config.identity.esignet.encryption_key
    assert encryption_key is not None
    before = snapshot(records, draft.id)
    outcome = run_login(farajaland, records, hostile, draft.id, encryption_key=encryption_key)
    assert outcome.state is ESignetState.FAILED
    assert "unencrypted" in outcome.message and outcome.code == "esignet.userinfo_not_encrypted"
    assert snapshot(records, draft.id) == before


# ------------------------------------------------------------------ the token answer, bounded

def test_an_endless_token_answer_is_read_no_further_than_the_cap(farajaland, records, draft, hostile, monkeypatch):
    from app.mosip.esignet import MAX_TOKEN_BYTES

    read: list[int] = []
    iter_bytes = httpx.Response.iter_bytes

    def counting(self: httpx.Response, *args: Any, **kwargs: Any) -> Any:
        for chunk in iter_bytes(self, *args, **kwargs):
            read.append(len(chunk))
            yield chunk

    monkeypatch.setattr(httpx.Response, "iter_bytes", counting)
    hostile.reset("token_endless")
    before = snapshot(records, draft.id)
    outcome = run_login(farajaland, records, hostile, draft.id, timeout_seconds=20.0)
    assert outcome.state is ESignetState.FAILED
    assert "too large" in outcome.message and outcome.code == "esignet.answer_too_large"
    largest_chunk = max(read)
    assert MAX_TOKEN_BYTES < sum(read) <= MAX_TOKEN_BYTES + largest_chunk   # stopped at the cap
    assert snapshot(records, draft.id) == before


def test_a_trickled_token_answer_is_stopped_at_the_login_deadline(farajaland, records, draft, hostile):
    hostile.reset("token_trickle")
    before = snapshot(records, draft.id)
    started = time.monotonic()
    outcome = run_login(farajaland, records, hostile, draft.id, timeout_seconds=2.0)
    elapsed = time.monotonic() - started
    assert outcome.state is ESignetState.FAILED
    assert "did not answer the token request in time" in outcome.message
    assert elapsed < 3.5                                     # the login's 2 s, not one read's timeout
    assert snapshot(records, draft.id) == before


def test_cancel_interrupts_the_token_request_in_flight(farajaland, records, draft, hostile):
    hostile.reset("token_hang")
    cancel = threading.Event()
    country = with_esignet(farajaland, issuer=hostile.issuer, client_id=CLIENT, timeout_seconds=60.0)
    before = snapshot(records, draft.id)

    def cancel_once_the_token_request_waits() -> None:
        if hostile.token_started.wait(20):
            time.sleep(0.3)                                  # well inside the request
            cancel.set()

    threading.Thread(target=cancel_once_the_token_request_waits, daemon=True).start()
    browser = RedirectingBrowser()
    started = time.monotonic()
    outcome = make_login(country, records).login(draft.id, "mother", open_url=browser, cancel=cancel)
    elapsed_after_cancel = time.monotonic() - started
    browser.join()
    assert hostile.token_started.is_set()
    assert outcome.state is ESignetState.FAILED and "cancelled" in outcome.message
    assert outcome.code == "esignet.cancelled"
    assert elapsed_after_cancel < 5                          # the provider would answer after 30 s
    assert snapshot(records, draft.id) == before
