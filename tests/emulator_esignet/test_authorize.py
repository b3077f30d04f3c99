"""The /authorize request as e-Signet + oidc-ui handle it: redirect URI matching
(IdentityProviderUtil), every request error on an error page (never redirected), PAR."""

from __future__ import annotations

import json

import pytest

from mosip_emulator.esignet import redirect_uri_matches

from .conftest import ClientKeys, Server, page_step, start_login
from .helpers import assertion, authorize_url, get_code, pkce, query, token_request

NATIVE = "http://127.0.0.1/callback"
WEB = "https://rp.example.org/oidc/callback"
FIXED_PORT = "http://127.0.0.1:51234/callback"


@pytest.fixture
def rp(server: Server, rp_keys: ClientKeys) -> str:
    server.esignet.register_client("rp", rp_keys.public_jwks(), [NATIVE, WEB, "http://[::1]/cb", FIXED_PORT])
    return "rp"


@pytest.mark.parametrize(
    ("registered", "requested", "ok"),
    [
        (NATIVE, NATIVE, True),
        # e-Signet has no RFC 8252 "any loopback port" rule, and a port cannot be a wildcard
        (NATIVE, "http://127.0.0.1:49152/callback", False),
        ("http://127.0.0.1:8000/callback", "http://127.0.0.1:9000/callback", False),
        ("http://127.0.0.1:*/callback", "http://127.0.0.1:9000/callback", False),
        ("http://[::1]/cb", "http://[::1]:5000/cb", False),
        ("http://[::1]:5000/cb", "http://[::1]:5000/cb", True),
        (FIXED_PORT, FIXED_PORT, True),
        # AntPathMatcher patterns, as in esignet-core IdentityProviderUtilTest
        ("https://api.dev.mosip.net/**", "https://api.dev.mosip.net/home/test", True),
        ("https://api.dev.mosip.net/home/test?", "https://api.dev.mosip.net/home/test1", True),
        ("https://api.dev.mosip.net/home/*", "https://api.dev.mosip.net/home/abc?state=reefdf", True),
        ("https://api.dev.mosip.net/home/t*", "https://api.dev.mosip.net/home/TEST1", False),
        ("https://api.dev.mosip.net/*", "https://api.dev.mosip.net/home/TEST1", False),
        ("io.mosip.residentapp://oauth", "io.mosip.residentapp://oauth", True),
        ("test-url", "https://api.dev.mosip.net/home/TEST1", False),
        (NATIVE, "http://127.0.0.1:49152/other", False),
        (NATIVE, "http://127.0.0.1:49152/callback?x=1", False),
        (NATIVE, "http://127.0.0.1:49152/callback#frag", False),
        (NATIVE, "http://127.0.0.2:49152/callback", False),
        (NATIVE, "http://localhost:49152/callback", False),
        (NATIVE, "https://127.0.0.1:49152/callback", False),
        (NATIVE, "http://user@127.0.0.1:49152/callback", False),
        (NATIVE, "http://127.0.0.1:notaport/callback", False),
        (WEB, WEB, True),
        (WEB, "https://rp.example.org:8443/oidc/callback", False),
        (WEB, "https://rp.example.org/oidc/callback/", False),
        ("http://rp.example.org/cb", "http://rp.example.org:8080/cb", False),
    ],
)
def test_redirect_uri_matching(registered: str, requested: str, ok: bool):
    assert redirect_uri_matches(registered, requested) is ok


def test_fixed_loopback_port_end_to_end(server: Server, rp: str, rp_keys: ClientKeys):
    redirect = FIXED_PORT
    code, verifier = get_code(server.http, rp, redirect)
    endpoint = server.discovery()["token_endpoint"]
    response = token_request(
        server.http,
        endpoint,
        code=code,
        verifier=verifier,
        client_assertion=assertion(rp_keys, rp, endpoint),
        redirect_uri=redirect,
    )
    assert response.status_code == 200, response.text


def test_loopback_any_port_is_an_opt_in(server: Server, rp: str):
    ephemeral = authorize_url(rp, "http://127.0.0.1:49152/callback")
    assert page_step(server.http.get(ephemeral).text) == ("error", "invalid_redirect_uri")
    server.esignet.loopback_any_port = True
    start_login(server.http, authorize_url(rp, "http://127.0.0.1:49152/callback"))


@pytest.mark.parametrize(
    ("client_id", "redirect_uri", "code"),
    [
        ("nobody", NATIVE, "invalid_client_id"),
        (None, NATIVE, "invalid_client_id"),
        ("rp", "https://evil.example/callback", "invalid_redirect_uri"),
        ("rp", "https://rp.example.org:8443/oidc/callback", "invalid_redirect_uri"),
        ("rp", "http://127.0.0.1:5000/elsewhere", "invalid_redirect_uri"),
        ("rp", None, "invalid_redirect_uri"),
    ],
)
def test_unverified_client_or_redirect_gives_an_error_page(server: Server, rp: str, client_id, redirect_uri, code):
    url = authorize_url(client_id, redirect_uri)
    if client_id is None:
        url = url.replace("client_id=None&", "")
    response = server.http.get(url)
    assert response.status_code == 400
    assert "location" not in response.headers
    assert page_step(response.text) == ("error", code)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"response_type": "token"}, "invalid_response_type"),
        ({"response_type": "code id_token"}, "invalid_response_type"),
        ({"scope": "profile"}, "invalid_scope"),
        ({"scope": "bogus"}, "invalid_scope"),
        ({"scope": "Manage-VID", "claims": '{"userinfo": {"name": null}}'}, "invalid_scope"),
        ({"code_challenge": "x" * 43, "code_challenge_method": "plain"}, "unsupported_pkce_challenge_method"),
        ({"code_challenge": "", "code_challenge_method": "S256"}, "invalid_pkce_challenge"),
        ({"claims": "{not json"}, "invalid_claim"),
        ({"claims": '{"userinfo": []}'}, "invalid_claim"),
        ({"claims": '{"userinfo": {"name": {"essential": "yes"}}}'}, "invalid_claim"),
        ({"claims": '{"userinfo": {"name": {"purpose": "x"}}}'}, "invalid_claim"),
        ({"prompt": "bogus"}, "invalid_prompt"),
        ({"prompt": "login consent"}, "invalid_prompt"),  # one value, as OIDCPromptValidator
        ({"display": "tv"}, "invalid_display"),
        ({"max_age": "soon"}, "invalid_request"),
    ],
)
def test_request_errors_are_shown_never_redirected(server: Server, rp: str, params, code):
    response = server.http.get(authorize_url(rp, NATIVE, state="s-42", **params))
    assert response.status_code == 400
    assert "location" not in response.headers
    assert page_step(response.text) == ("error", code)


@pytest.mark.parametrize(
    "params",
    [
        {"acr_values": "urn:example:unknown"},  # resolveACRClaim falls back to the registered ACRs
        {"prompt": "none"},  # no special handling in e-Signet
        {"request": "eyJhbGciOiJub25lIn0.e30."},  # not a field of the request: ignored
        {"code_challenge": "x" * 43},  # without a method PKCE does not apply (ProofKeyCodeExchange)
        {"code_challenge_method": "S256"},
        {"scope": "openid bogus"},  # unknown scopes are ignored
    ],
)
def test_what_e_signet_lets_through(server: Server, rp: str, params):
    start_login(server.http, authorize_url(rp, NATIVE, **params))


def test_a_nonce_is_single_use(server: Server, rp: str):
    start_login(server.http, authorize_url(rp, NATIVE, nonce="n-once"))
    again = server.http.get(authorize_url(rp, NATIVE, nonce="n-once"))
    assert page_step(again.text) == ("error", "invalid_request")
    server.clock.advance(server.esignet.nonce_ttl + 1)
    start_login(server.http, authorize_url(rp, NATIVE, nonce="n-once"))


def test_unregistered_acr_choice_offers_no_otp(server: Server, rp_keys: ClientKeys):
    server.esignet.register_client("bio", rp_keys.public_jwks(), [NATIVE], acr_values=["mosip:idp:acr:biometrics"])
    tid = start_login(server.http, authorize_url("bio", NATIVE))
    page = server.http.post(
        "/authorize/login", data={"transaction_id": tid, "individual_id": "2345678901", "otp": "111111"}
    )
    assert page.status_code == 401 and page_step(page.text) == ("login", "auth_factor_mismatch")


def test_valid_request_shows_login_page(server: Server, rp: str):
    _, challenge = pkce()
    claims = {"userinfo": {"name": {"essential": True}, "birthdate": None}}
    url = authorize_url(
        rp,
        WEB,
        code_challenge=challenge,
        code_challenge_method="S256",
        acr_values="mosip:idp:acr:generated-code mosip:idp:acr:biometrics",
        claims=json.dumps(claims),
        ui_locales="fr-FR en",
        prompt="login",
        max_age="600",
        display="page",
    )
    tid = start_login(server.http, url.replace("nonce=", "nonce=again-"))
    assert len(tid) >= 32
    page = server.http.get(url).text
    assert '<html lang="fr">' in page and 'name="otp"' in page


def test_consent_page_lists_requested_claims(server: Server, rp: str):
    claims = {"userinfo": {"name": {"essential": True}, "birthdate": {"essential": False}}}
    tid = start_login(server.http, authorize_url(rp, NATIVE, claims=json.dumps(claims), scope="openid email"))
    page = server.http.post(
        "/authorize/login", data={"transaction_id": tid, "individual_id": "2345678901", "otp": "111111"}
    ).text
    assert 'data-claim="name" data-essential="true"' in page
    assert 'data-claim="birthdate" data-essential="false"' in page
    assert 'data-claim="email" data-essential="false"' in page
    assert 'data-claim="gender"' not in page
    # registration order (ClaimsHelperService iterates the client's registered claims)
    assert page.index('data-claim="name"') < page.index('data-claim="birthdate"') < page.index('data-claim="email"')


def test_only_registered_claims_are_offered(server: Server, rp_keys: ClientKeys):
    server.esignet.register_client("few", rp_keys.public_jwks(), [NATIVE], claims=["name", "gender"])
    claims = {"userinfo": {"name": {"essential": True}, "birthdate": {"essential": True}}}
    tid = start_login(server.http, authorize_url("few", NATIVE, claims=json.dumps(claims)))
    page = server.http.post(
        "/authorize/login", data={"transaction_id": tid, "individual_id": "2345678901", "otp": "111111"}
    ).text
    assert 'data-claim="name" data-essential="true"' in page
    assert 'data-claim="gender" data-essential="false"' in page  # from the profile scope
    assert 'data-claim="birthdate"' not in page


def test_par_then_authorize(server: Server, rp: str, rp_keys: ClientKeys):
    disc = server.discovery()
    verifier, challenge = pkce()
    form = {
        "client_id": rp,
        "redirect_uri": NATIVE,
        "response_type": "code",
        "scope": "openid profile",
        "state": "par-state",
        "nonce": "par-nonce",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion(rp_keys, rp, disc["pushed_authorization_request_endpoint"]),
    }
    par = server.http.post(disc["pushed_authorization_request_endpoint"], data=form)
    assert par.status_code == 201, par.text
    request_uri = par.json()["request_uri"]
    assert request_uri.startswith("urn:ietf:params:oauth:request_uri:") and par.json()["expires_in"] > 0
    from .conftest import login

    location = login(server.http, f"/authorize?client_id={rp}&request_uri={request_uri}")
    q = query(location)
    assert q["state"] == "par-state"
    token = token_request(
        server.http,
        disc["token_endpoint"],
        code=q["code"],
        verifier=verifier,
        client_assertion=assertion(rp_keys, rp, disc["token_endpoint"]),
        redirect_uri=NATIVE,
    )
    assert token.status_code == 200
    # a request_uri is single use
    again = server.http.get(f"/authorize?client_id={rp}&request_uri={request_uri}")
    assert again.status_code == 400
    # PAR needs client authentication and a valid request
    form["client_assertion"] = assertion(rp_keys, rp, disc["pushed_authorization_request_endpoint"])
    form["code_challenge_method"] = "plain"
    bad = server.http.post(disc["pushed_authorization_request_endpoint"], data=form)
    assert bad.status_code == 400 and bad.json()["error_description"] == "unsupported_pkce_challenge_method"


def test_require_pkce_option(server: Server, rp: str):
    server.esignet.require_pkce = True
    response = server.http.get(authorize_url(rp, NATIVE))
    assert response.status_code == 400 and page_step(response.text) == ("error", "use_pkce")


def test_pages_in_french_and_enter_never_cancels(server: Server, rp: str):
    page = server.http.get(authorize_url(rp, NATIVE, ui_locales="fr")).text
    assert "Connectez-vous" in page and "Annuler" in page
    # implicit submission (Enter) uses the first submit button: it must be the primary one
    assert page.index('value="login"') < page.index('value="cancel"')
    error = server.http.get(authorize_url("nobody", NATIVE, ui_locales="fr"))
    assert error.status_code == 400 and "Client inconnu" in error.text
    tid = start_login(server.http, authorize_url(rp, NATIVE, ui_locales="fr"))
    consent = server.http.post(
        "/authorize/login", data={"transaction_id": tid, "individual_id": "2345678901", "otp": "111111"}
    ).text
    assert "Nom complet" in consent and consent.index('value="accept"') < consent.index('value="cancel"')
