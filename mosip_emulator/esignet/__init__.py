"""e-Signet (MOSIP's OpenID Connect provider) for the MOSIP emulator — PROTOCOLS.md §1.

``ESignet(state_dir, identities).routes()`` gives Starlette routes with absolute paths; the server
sets ``esignet.issuer`` to its base URL (e.g. ``http://127.0.0.1:43123``) once bound.

Endpoints
---------
``GET  /.well-known/openid-configuration`` (also ``/v1/esignet/oidc/.well-known/openid-configuration``)
``GET  /.well-known/oauth-authorization-server`` (also under ``/v1/esignet/oauth/``)
``GET  /.well-known/jwks.json`` (also ``/v1/esignet/oauth/.well-known/jwks.json``): the e-Signet
       key (signs id_token and access token) and the IDA KYC key (signs userinfo), two kids.
``GET  /authorize``: validates the request, answers the login page (HTML, 200). Every request
       error (unknown client ``invalid_client_id``, unmatched redirect URI ``invalid_redirect_uri``,
       ``invalid_scope``, ``invalid_response_type``, ``invalid_prompt``, ``invalid_claim``,
       ``unsupported_pkce_challenge_method``, a replayed nonce ``invalid_request`` …) is an error
       page 400 and is never redirected — as e-Signet's oidc-ui shows it. Unknown ACRs fall back to
       the client's registered ones; PKCE applies only with both challenge and method.
``POST /v1/esignet/oauth/par`` (PAR, RFC 9126): the authorize parameters + client assertion →
       201 ``{request_uri, expires_in}``; then ``/authorize?client_id=…&request_uri=…`` (single use).
``POST /v1/esignet/oauth/v2/token`` (form): authorization_code + private_key_jwt + PKCE.
``GET  /v1/esignet/oidc/userinfo`` with ``Authorization: Bearer``: ``application/jwt``.

Every rule and the e-Signet source file it follows: ``docs/fidelity/esignet.md``.

Login without a browser (form posts, ``application/x-www-form-urlencoded``)
--------------------------------------------------------------------------
1. ``GET /authorize?…`` → 200 HTML; read the hidden ``transaction_id`` input
   (``<input type="hidden" name="transaction_id" value="…">``). Every page has
   ``<main data-step="login|consent|error" data-error="<code>">``.
2. ``POST /authorize/login`` fields ``transaction_id``, ``individual_id`` (UIN or VID), ``otp``
   (``111111``), ``action=login`` (or ``action=cancel`` → 302 ``error=access_denied``).
   Success → 200 consent page (``data-step="consent"``; each requested claim is an
   ``<li data-claim="…" data-essential="true|false">``). Failure → 401 login page with
   ``data-error``: ``IDA-MLC-018`` unknown UIN/VID, ``IDA-MLC-022`` deactivated UIN,
   ``IDA-MLC-023`` deactivated VID, ``IDA-OTA-004`` wrong OTP, ``auth_factor_mismatch`` when
   the resolved ACRs offer no OTP. Unknown transaction → 400 error page ``invalid_transaction``;
   an expired one → 302 ``error=invalid_transaction``.
3. ``POST /authorize/consent`` fields ``transaction_id``, ``action=accept|cancel`` and optionally
   ``accepted_claims`` (repeated). Without ``accepted_claims`` (and without ``consent_form``)
   every requested claim is accepted; with it, it must hold every essential claim and only
   requested ones (else 302 ``error=invalid_accepted_claim``). ``accept`` → 302 to
   ``redirect_uri?state=…&code=…&iss=<issuer>``; ``cancel`` → 302
   ``redirect_uri?error_description=Consent+Denied&state=…&error=access_denied`` (error
   redirects carry no ``iss``, and ``state=null`` when the request had none).
A login session lives 300 s (``transaction_ttl``), then 120 s to consent (``consent_ttl``).

Token endpoint
--------------
Fields: ``grant_type=authorization_code``, ``code``, ``redirect_uri`` (exactly as sent to
/authorize), ``code_verifier`` (when PKCE applies), ``client_id`` (optional),
``client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer``,
``client_assertion``: a JWT signed RS256/PS256/ES256 by the key registered for the client the
code was issued to (``kid`` must match when sent) with ``iss`` = ``sub`` = client_id, ``aud`` =
token endpoint URL or issuer, ``exp`` (5 s leeway, no maximum), ``iat``, and a ``jti`` no client
used in the last 24 h. Checked in e-Signet's order: the form fields; the code (unknown, expired
— ``code_ttl`` 300 s — or used → ``invalid_grant``); ``client_id`` ≠ the code's →
``invalid_client_id``; ``redirect_uri`` differs → ``invalid_redirect_uri``; PKCE → ``invalid_grant``;
only then the assertion → ``invalid_client``. A refused request leaves the code usable. Errors are
HTTP 400 ``{"error", "error_description"}`` the e-Signet way (see :mod:`.errors`).
Success: ``{access_token, token_type: "Bearer", expires_in, id_token}``. Both tokens are PS256
JWTs signed by the e-Signet key (header ``kid``). id_token: ``iss, sub, aud, iat, exp,
auth_time``, ``nonce`` when sent, ``acr`` (``mosip:idp:acr:generated-code``), ``at_hash``.
``sub`` is the PSUT: ``base64url(SHA3-256(uin + client_id))`` — pairwise, stable.

Userinfo
--------
A compact PS256 JWS signed by the IDA KYC key (its own ``kid``), payload ``sub`` + the consented
claims the identity holds — as IDA's kyc-exchange builds it, without iss/aud/exp: bind it to the
id_token by ``sub``. Claims: name, given_name, middle_name, family_name, gender (``Female``),
birthdate (``yyyy/MM/dd``), phone_number, email, address (object), individual_id. Languages from
``claims_locales`` / ``ui_locales`` (default ``en``): one language → plain keys; several →
``name#en``, ``name#fr``… (ISO 639-1 suffix). A client registered with
``userinfo_response_type="JWE"`` gets a nested JWE (``RSA-OAEP-256``/``A256GCM``, ``cty: JWT``)
to its ``encryption_jwk`` whose plaintext is that JWS. Errors are 401 with only
``WWW-Authenticate: error="missing_header"`` (no header) or ``error="invalid_token"``.

Registering a client
--------------------
``esignet.register_client(client_id, {"keys": [public_jwk]}, ["http://127.0.0.1:8765/callback"],
userinfo_response_type="JWS", encryption_jwk=None, claims=None, acr_values=None)``; persisted in
``state_dir/esignet/clients.json``. Redirect URIs match as e-Signet's do: the registered URI is
an Ant pattern (``*``, ``**``, ``?``) for the requested one, both valid URLs — no "any loopback
port" rule unless the emulator is built with ``loopback_any_port=True``.
"""

from .provider import ESignet
from .redirects import redirect_uri_matches

__all__ = ["ESignet", "redirect_uri_matches"]
