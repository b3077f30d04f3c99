"""Fixtures: the e-Signet emulator served by uvicorn on 127.0.0.1:<ephemeral>, in a thread."""

from __future__ import annotations

import copy
import pathlib
import re
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from joserfc.jwk import ECKey, RSAKey
from starlette.applications import Starlette

from mosip_emulator.esignet import ESignet

OTP = "111111"
REDIRECT = "http://127.0.0.1/callback"

PEOPLE: list[dict[str, Any]] = [
    {
        "uin": "2345678901",
        "vid": "4321098765432109",
        "given_name": {"eng": "Jane", "fra": "Jeanne"},
        "middle_name": {"eng": "Mary", "fra": "Marie"},
        "family_name": {"eng": "Banda", "fra": "Banda"},
        "full_name": {"eng": "Jane Mary Banda", "fra": "Jeanne Marie Banda"},
        "dob": "1990/01/31",
        "gender": {"eng": "Female", "fra": "Féminin"},
        "phone": "+260971234567",
        "email": "jane.banda@example.org",
        "address": {
            "street_address": "12 Cairo Road",
            "locality": "Lusaka",
            "region": "Lusaka Province",
            "postal_code": "10101",
            "country": "Zambia",
        },
        "status": "ACTIVATED",
    },
    {
        "uin": "3456789012",
        "vid": "5432109876543210",
        "given_name": {"eng": "Peter", "fra": "Pierre"},
        "middle_name": {"eng": "", "fra": ""},
        "family_name": {"eng": "Phiri", "fra": "Phiri"},
        "full_name": {"eng": "Peter Phiri", "fra": "Pierre Phiri"},
        "dob": "1950/06/02",
        "gender": {"eng": "Male", "fra": "Masculin"},
        "phone": "+260977654321",
        "email": "peter.phiri@example.org",
        "address": {
            "street_address": "3 Independence Ave",
            "locality": "Ndola",
            "region": "Copperbelt",
            "postal_code": "10102",
            "country": "Zambia",
        },
        "status": "DEACTIVATED",
    },
]
JANE, DECEASED = PEOPLE


def lookup(individual_id: str) -> dict | None:
    for person in PEOPLE:
        if individual_id in (person["uin"], person["vid"]):
            return copy.deepcopy(person)
    return None


class FakeClock:
    """Real time plus an offset that tests move forward instead of sleeping."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass
class Server:
    base: str
    esignet: ESignet
    clock: FakeClock
    http: httpx.Client

    def discovery(self) -> dict:
        return self.http.get("/.well-known/openid-configuration").json()


def serve(app: Any) -> tuple[uvicorn.Server, threading.Thread, int]:
    """Run `app` with uvicorn on 127.0.0.1:0 in a daemon thread; returns (server, thread, port)."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="esignet-emulator", daemon=True)
    thread.start()
    for _ in range(1000):  # wait for the socket (bounded; not a timing assertion)
        if server.started:
            break
        time.sleep(0.01)
    assert server.started, "uvicorn did not start"
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, port


class _Mount:
    """The ASGI app uvicorn serves for the whole session; each test mounts its own Starlette app."""

    def __init__(self) -> None:
        self.app: Any = None

    async def __call__(self, scope, receive, send) -> None:
        await self.app(scope, receive, send)


@pytest.fixture(scope="session")
def _uvicorn() -> Iterator[tuple[_Mount, str]]:
    mount = _Mount()
    uv, thread, port = serve(mount)
    yield mount, f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def _signing_keys(tmp_path_factory) -> pathlib.Path:
    """Generate the emulator's RSA keys once; each test's state dir starts from a copy."""
    state = tmp_path_factory.mktemp("esignet-keys")
    ESignet(state, lookup)
    return state / "esignet"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def state_dir(tmp_path, _signing_keys) -> pathlib.Path:
    state = tmp_path / "state"
    (state / "esignet").mkdir(parents=True)
    for pem in _signing_keys.glob("*.pem"):
        shutil.copy2(pem, state / "esignet" / pem.name)
    return state


@pytest.fixture
def esignet(state_dir, clock) -> ESignet:
    return ESignet(state_dir, lookup, clock=clock)


@pytest.fixture
def server(esignet, clock, _uvicorn) -> Iterator[Server]:
    mount, base = _uvicorn
    mount.app = Starlette(routes=esignet.routes())
    esignet.issuer = base
    with httpx.Client(base_url=base, follow_redirects=False) as http:
        yield Server(base, esignet, clock, http)
    mount.app = None


@dataclass
class ClientKeys:
    signing: RSAKey | ECKey
    kid: str
    alg: str

    def public_jwks(self) -> dict:
        return {"keys": [self.signing.as_dict(private=False)]}


def _rsa(kid: str) -> RSAKey:
    key = RSAKey.generate_key(2048, auto_kid=False)
    return RSAKey.import_key(key.as_dict(private=True), {"kid": kid})


@pytest.fixture(scope="session")
def rp_keys() -> ClientKeys:
    return ClientKeys(_rsa("rp-sign-1"), "rp-sign-1", "PS256")


@pytest.fixture(scope="session")
def other_keys() -> ClientKeys:
    return ClientKeys(_rsa("rp-sign-1"), "rp-sign-1", "PS256")  # same kid, different key


@pytest.fixture(scope="session")
def ec_keys() -> ClientKeys:
    key = ECKey.generate_key("P-256", auto_kid=False)
    return ClientKeys(ECKey.import_key(key.as_dict(private=True), {"kid": "rp-ec-1"}), "rp-ec-1", "ES256")


@pytest.fixture(scope="session")
def enc_key() -> RSAKey:
    return _rsa("rp-enc-1")


TRANSACTION_RE = re.compile(r'name="transaction_id" value="([^"]+)"')
STEP_RE = re.compile(r'<main data-step="([a-z]+)" data-error="([^"]*)"')


def page_step(html: str) -> tuple[str, str]:
    match = STEP_RE.search(html)
    assert match, html
    return match.group(1), match.group(2)


def start_login(http: httpx.Client, url: str) -> str:
    """GET the authorization URL; returns the transaction id of the login page."""
    response = http.get(url)
    assert response.status_code == 200, response.text
    assert page_step(response.text) == ("login", "")
    match = TRANSACTION_RE.search(response.text)
    assert match
    return match.group(1)


def login(
    http: httpx.Client,
    url: str,
    individual_id: str = JANE["uin"],
    *,
    otp: str = OTP,
    action: str = "accept",
    accepted_claims: list[str] | None = None,
) -> str:
    """Drive the whole login over HTTP; returns the Location of the final redirect."""
    tid = start_login(http, url)
    response = http.post(
        "/authorize/login",
        data={"transaction_id": tid, "individual_id": individual_id, "otp": otp, "action": "login"},
    )
    assert response.status_code == 200, response.text
    assert page_step(response.text) == ("consent", "")
    data: dict[str, Any] = {"transaction_id": tid, "action": action}
    if accepted_claims is not None:
        data["accepted_claims"] = accepted_claims
        data["consent_form"] = "1"
    response = http.post("/authorize/consent", data=data)
    assert response.status_code == 302, response.text
    return response.headers["location"]
