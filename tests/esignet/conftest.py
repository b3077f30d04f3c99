"""Fixtures: the MOSIP emulator (e-Signet mounted) on loopback with the Farajaland relying parties
registered, a real encrypted device database, and a "browser" that plays the person over HTTP."""

from __future__ import annotations

import dataclasses
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from app.config.loader import LoadedCountry, load_country
from app.identity.esignet_login import ESignetLoginService
from app.identity.esignet_loopback import loopback_redirect_uris
from app.records import Actor, RecordService, Role
from app.store import Database, new_data_key
from mosip_emulator.server import EmulatorServer

ROOT = Path(__file__).resolve().parents[2]
FARAJALAND_DIR = ROOT / "resources" / "countries" / "farajaland"
KEYS = FARAJALAND_DIR / "demo-keys"
OTP = "111111"
AGENT = Actor("ana", Role.AGENT)

CLIENT = "crvs-field-farajaland"            # the demo country's client id
CLIENT_B = "crvs-field-farajaland-b"        # a second relying party (same key, other client id)
CLIENT_JWE = "crvs-field-farajaland-jwe"    # registered for encrypted userinfo
# e-Signet matches redirect URIs exactly: one per port the country's client listens on
REDIRECTS = loopback_redirect_uris(load_country(FARAJALAND_DIR).config.identity.esignet.redirect_ports)

TRANSACTION_RE = re.compile(r'name="transaction_id" value="([^"]+)"')
STEP_RE = re.compile(r'<main data-step="([a-z]+)" data-error="([^"]*)"')


def public_jwk(name: str) -> dict[str, Any]:
    return json.loads((KEYS / name).read_text())


@pytest.fixture(scope="session")
def farajaland() -> LoadedCountry:
    return load_country(FARAJALAND_DIR)


def with_esignet(country: LoadedCountry, **changes: Any) -> LoadedCountry:
    """The country with its `identity.esignet` settings changed (issuer, client_id, timeout …).

    Only CLIENT_JWE is registered for encrypted userinfo; the other clients get plain signed
    userinfo, which the device refuses while it holds an encryption key, so they have none unless
    a test gives one."""
    assert country.config.identity.esignet is not None
    if changes.get("client_id") != CLIENT_JWE:
        changes.setdefault("encryption_key", None)
    esignet = country.config.identity.esignet.model_copy(update=changes)
    identity = country.config.identity.model_copy(update={"esignet": esignet})
    return dataclasses.replace(country, config=country.config.model_copy(update={"identity": identity}))


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorServer]:
    server = EmulatorServer(tmp_path_factory.mktemp("emulator") / "state").start()
    client_key = public_jwk("esignet-client.pub.jwk.json")
    registrations = [
        {"client_id": CLIENT, "public_jwks": {"keys": [client_key]}, "redirect_uris": REDIRECTS},
        {"client_id": CLIENT_B, "public_jwks": {"keys": [client_key]}, "redirect_uris": REDIRECTS},
        {"client_id": CLIENT_JWE, "public_jwks": {"keys": [client_key]}, "redirect_uris": REDIRECTS,
         "userinfo_response_type": "JWE", "encryption_jwk": public_jwk("esignet-encryption.pub.jwk.json")},
    ]
    for body in registrations:  # the documented admin route, over HTTP
        response = httpx.post(server.base_url + "/admin/esignet/clients", json=body)
        assert response.status_code == 201, response.text
    yield server
    server.stop(wait=False)


@pytest.fixture(scope="session")
def people(emulator: EmulatorServer) -> list[dict[str, Any]]:
    return httpx.get(emulator.base_url + "/admin/identities").json()


@pytest.fixture(scope="session")
def jane(people: list[dict[str, Any]]) -> dict[str, Any]:
    """An active woman with a middle name, a phone and a VID (she fits the mother's section)."""
    return next(p for p in people if p["status"] == "ACTIVATED" and p.get("vid_status", "ACTIVE") == "ACTIVE"
                and p["gender"]["eng"] == "Female" and p["middle_name"]["eng"] and p.get("phone"))


@pytest.fixture
def country(farajaland: LoadedCountry, emulator: EmulatorServer) -> LoadedCountry:
    return with_esignet(farajaland, issuer=emulator.base_url, client_id=CLIENT)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(tmp_path / "crvs.db", new_data_key())
    database.migrate()
    yield database
    database.close()


@pytest.fixture
def records(db: Database, country: LoadedCountry) -> RecordService:
    return RecordService(db, country)


TYPED = {"child.firstname": "Tiwonge", "child.surname": "Banda", "mother.firstname": "typed-by-agent",
         "mother.phone": "+260970000000"}


@pytest.fixture
def draft(records: RecordService) -> Any:
    """A draft birth with a few fields already typed by the agent."""
    return records.create_draft(AGENT, "birth", TYPED)


def make_login(country: LoadedCountry, records: RecordService, language: str = "en") -> ESignetLoginService:
    return ESignetLoginService(country, records, AGENT, language=language)


def snapshot(records: RecordService, record_id: str) -> tuple[Any, ...]:
    """Everything a failed login must leave as it was."""
    detail = records.detail(record_id)
    record = detail.record
    return (record.status, dict(record.declaration), json.dumps(record.persons, sort_keys=True), record.version,
            len(detail.history), len(detail.actions))


class Browser:
    """The system browser with the person in front of it, driven over HTTP on a thread.

    ``action``: ``accept`` (log in with the OTP, give consent), ``cancel_login`` (cancel on the
    login page), ``cancel_consent`` (refuse consent), ``wrong_otp`` (type a wrong OTP, then stop),
    ``nothing`` (the person never finishes). The final redirect is followed to the loopback
    listener, as a browser would; with ``follow=False`` (a phone, which cannot reach this
    computer's loopback) it is only kept in ``location``.
    """

    def __init__(self, individual_id: str = "", action: str = "accept", otp: str = OTP, *, follow: bool = True):
        self.individual_id = individual_id
        self.action = action
        self.otp = otp
        self.follow = follow
        self.urls: list[str] = []
        self.location: str | None = None
        self.callback: httpx.Response | None = None
        self.error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def __call__(self, url: str) -> None:
        self.urls.append(url)
        self._thread = threading.Thread(target=self._run, args=(url,), name="test-browser", daemon=True)
        self._thread.start()

    def _run(self, url: str) -> None:
        try:
            self._drive(url)
        except BaseException as exc:  # surfaced by join()
            self.error = exc

    def _drive(self, url: str) -> None:
        base = "{0.scheme}://{0.netloc}".format(urlsplit(url))
        with httpx.Client(base_url=base, follow_redirects=False, timeout=10) as http:
            page = http.get(url)
            location = page.headers.get("location") if page.status_code in (302, 303) else None
            if location is None:
                assert page.status_code == 200, page.text
                if self.action == "nothing":
                    return
                tid = TRANSACTION_RE.search(page.text)
                assert tid, page.text
                form = {"transaction_id": tid.group(1), "individual_id": self.individual_id,
                        "otp": "000000" if self.action == "wrong_otp" else self.otp,
                        "action": "cancel" if self.action == "cancel_login" else "login"}
                page = http.post("/authorize/login", data=form)
                if self.action == "wrong_otp":
                    assert page.status_code == 401
                    return
                if page.status_code == 200:
                    assert STEP_RE.search(page.text).group(1) == "consent", page.text
                    consent = "cancel" if self.action == "cancel_consent" else "accept"
                    page = http.post("/authorize/consent", data={"transaction_id": tid.group(1), "action": consent})
                assert page.status_code == 302, page.text
                location = page.headers["location"]
            self.location = location
            if self.follow:
                self.callback = http.get(location)

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join(timeout=20)
        if self.error is not None:
            raise self.error
