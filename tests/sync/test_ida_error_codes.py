"""Every IDA error code, as IDA answers it over HTTP, lands in the class app/mosip/ida_errors.py gives it;
the table is exactly IdAuthenticationErrorConstants' list; the emulator's identity answers after a death,
a blocked UIN or a revoked VID reach the client as verification failures."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization

from app.mosip import ida_errors
from app.mosip.ida import ErrorClass, IdaClient, IdaCredentials, IdaResult
from mosip_emulator import crypto as emulator_crypto
from mosip_emulator.server import EmulatorServer
from tests.emulator.helpers import PacketClient, demographics_of, simple

CODES_FILE = Path(__file__).parents[1] / "fixtures" / "ida_error_codes.txt"
MIRROR = Path("/work/.mirror/mosip+id-authentication/repo")


def listed_codes() -> list[str]:
    return [line.strip() for line in CODES_FILE.read_text().splitlines()
            if line.strip() and not line.startswith("#")]


def test_the_table_is_exactly_ida_s_list_of_codes() -> None:
    codes = listed_codes()
    assert len(codes) == len(set(codes)) == 155
    assert set(ida_errors.IDA_ERROR_CODES) == set(codes)
    header = CODES_FILE.read_text()
    assert ida_errors.SOURCE_COMMIT in header and ida_errors.SOURCE_PATH in header
    assert all(isinstance(m.error_class, ErrorClass) and m.meaning for m in ida_errors.IDA_ERROR_CODES.values())


@pytest.mark.skipif(not MIRROR.exists(), reason="no local snapshot of mosip/id-authentication")
def test_the_list_is_the_java_file_s() -> None:
    java = subprocess.run(["git", "-C", str(MIRROR), "show",
                           f"{ida_errors.SOURCE_COMMIT}:{ida_errors.SOURCE_PATH}"],
                          capture_output=True, text=True, check=False)
    if java.returncode != 0:
        pytest.skip("the snapshot does not hold that commit")
    in_source = re.findall(r'\b[A-Z][A-Z0-9_]*\(\s*"((?:IDA|PMS)[A-Z_-]+\d+)"', java.stdout)
    assert list(dict.fromkeys(in_source)) == listed_codes()


# a message per code: IDA's own wording where the client reads it, a neutral one elsewhere
MESSAGES = {
    "IDA-DEA-001": "Demographic data dob did not match",
    "IDA-DEA-003": "Demographic data phoneNumber not available in database",
    "IDA-MLC-018": "VID not available in database",
    "IDA-MLC-022": "UIN is deactivated/blocked",
    "IDA-MLC-001": "Request to be received at MOSIP within 30 seconds",
}
REFINED = [  # (code, message, class): one code, several situations
    ("IDA-MLC-022", "individualId is blocked", ErrorClass.FAILURE),
    ("IDA-MLC-022", "partnerId is blocked", ErrorClass.CONFIGURATION),
    ("IDA-MLC-018", "Salt for the given ID not available in database", ErrorClass.TRANSIENT),
    ("IDA-XYZ-999", "something new", ErrorClass.DATA),
    ("", "", ErrorClass.DATA),
]


class ScriptedIda:
    """A loopback HTTP server answering each auth request with the next scripted IDA answer (HTTP 200,
    `errors[]`, a `response-signature` made by the emulator's signer), echoing the transactionID."""

    def __init__(self) -> None:
        self.key = emulator_crypto.generate_rsa_key()
        self.cert = emulator_crypto.self_signed_cert(self.key, "scripted IDA")
        self.errors: list[dict[str, str]] = []
        self.requests = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                assert self.headers["signature"] and request["requestHMAC"]
                owner.requests += 1
                body = json.dumps({
                    "id": "mosip.identity.auth", "version": "1.0", "transactionID": request["transactionID"],
                    "responseTime": request["requestTime"],
                    "response": {"authStatus": not owner.errors, "authToken": None},
                    "errors": owner.errors}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("response-signature",
                                 emulator_crypto.jws_sign_detached(owner.key, body, owner.cert))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture(scope="module")
def scripted() -> Iterator[ScriptedIda]:
    ida = ScriptedIda()
    ida.thread.start()
    yield ida
    ida.server.shutdown()
    ida.server.server_close()


def scripted_credentials(ida: ScriptedIda) -> IdaCredentials:
    partner_key = emulator_crypto.generate_rsa_key()
    pem = serialization.Encoding.PEM
    return IdaCredentials.from_pem(
        encryption_certificate=ida.cert.public_bytes(pem), response_signing_certificate=ida.cert.public_bytes(pem),
        signing_key=partner_key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()),
        signing_certificate=emulator_crypto.self_signed_cert(partner_key, "partner").public_bytes(pem),
        base_url=ida.base_url, misp_license_key="licence", partner_id="partner", partner_api_key="key")


PAYLOAD = {"individual_id": "2345678901", "individual_id_type": "UIN",
           "demographics": {"dob": "1990/01/31"}}


def ask(ida: ScriptedIda, credentials: IdaCredentials, answers: list[tuple[str, str]]) -> list[IdaResult]:
    """One request per answer over loopback through the client's own send and parse path."""
    async def run() -> list[IdaResult]:
        results = []
        async with httpx.AsyncClient(timeout=10) as http:
            client = IdaClient(credentials, http)
            for n, (code, message) in enumerate(answers):
                ida.errors = [{"errorCode": code, "errorMessage": message}]
                results.append(await client.authenticate(PAYLOAD, f"TXN{n:07d}", dt.datetime.now(dt.UTC)))
        return results

    return asyncio.run(run())


def test_every_code_over_http_lands_in_its_class(scripted: ScriptedIda) -> None:
    credentials = scripted_credentials(scripted)
    codes = listed_codes()
    answers = [(code, MESSAGES.get(code, ida_errors.IDA_ERROR_CODES[code].meaning)) for code in codes]
    results = ask(scripted, credentials, answers)
    assert scripted.requests >= len(codes)
    got = {code: result.error_class for code, result in zip(codes, results, strict=True)}
    assert got == {code: ida_errors.IDA_ERROR_CODES[code].error_class for code in codes}
    for (code, _), result in zip(answers, results, strict=True):
        assert result.codes == [code] and result.auth_status is False
        assert code in result.explained()
    by_code = dict(zip(codes, results, strict=True))
    assert by_code["IDA-DEA-001"].failed_attributes == ["dob"]
    assert by_code["IDA-DEA-003"].failed_attributes == ["phoneNumber"]
    assert by_code["IDA-MLC-018"].failed_attributes == []
    # the classes the brief and PROTOCOLS §2 name, spot-checked against the walk
    assert {code for code, cls in got.items() if cls is ErrorClass.RETRY_NOW} == {"IDA-MLC-001"}
    for code in ("IDA-MLC-002", "IDA-MLC-003", "IDA-MLC-004", "IDA-MLC-005", "IDA-MLC-010", "IDA-MLC-018",
                 "IDA-MLC-019", "IDA-MLC-022", "IDA-MLC-023", "IDA-DEA-001", "IDA-DEA-003"):
        assert got[code] is ErrorClass.FAILURE, code
    for code in ("IDA-MLC-006", "IDA-MLC-008", "IDA-MLC-009", "IDA-MLC-012", "IDA-OTA-004", "IDA-BIA-001"):
        assert got[code] is ErrorClass.DATA, code
    assert all(cls is ErrorClass.CONFIGURATION for code, cls in got.items()
               if code.startswith("PMS_PMP_") or (code.startswith("IDA-MPA-")
                                                  and code not in ("IDA-MPA-034", "IDA-MPA-035")))
    assert got["IDA-MLC-007"] is ErrorClass.TRANSIENT


def test_one_code_several_situations_and_unknown_codes(scripted: ScriptedIda) -> None:
    results = ask(scripted, scripted_credentials(scripted), [(code, message) for code, message, _ in REFINED])
    assert [r.error_class for r in results] == [cls for _, _, cls in REFINED]
    unknown = results[3]
    assert "IDA-XYZ-999" in unknown.explained()  # the quarantine reason shows the code
    # a clean answer is a success, nothing else is
    scripted.errors = []

    async def clean() -> IdaResult:
        async with httpx.AsyncClient(timeout=10) as http:
            return await IdaClient(scripted_credentials(scripted), http).authenticate(PAYLOAD, "TXNCLEAN01")

    assert asyncio.run(clean()).error_class is None


def test_the_most_severe_class_of_an_answer_wins() -> None:
    failure_and_clock = IdaResult("T", False, [("IDA-DEA-001", "Demographic data name in eng did not match"),
                                               ("IDA-MLC-001", "Request to be received at MOSIP within 30 seconds")])
    assert failure_and_clock.error_class is ErrorClass.RETRY_NOW  # resend: the verdict may change
    clock_and_bad_input = IdaResult("T", False, [("IDA-MLC-001", ""), ("IDA-MLC-009", "")])
    assert clock_and_bad_input.error_class is ErrorClass.DATA
    assert IdaResult("T", False, [("IDA-MLC-009", ""), ("IDA-MPA-009", "")]).error_class is ErrorClass.CONFIGURATION
    hostile = IdaResult("T", False, [("IDA-\n<b>", "x")])
    assert hostile.error_class is ErrorClass.DATA and "\n" not in hostile.explained()


# --- against the emulator: identity answers reach the client as verification failures -------------------

def emulator_credentials(cfg: dict[str, Any]) -> IdaCredentials:
    ida = cfg["ida"]
    return IdaCredentials.from_pem(
        encryption_certificate=ida["encryption_certificate_pem"].encode(),
        response_signing_certificate=ida["response_signing_certificate_pem"].encode(),
        signing_key=Path(ida["partner_signing_key_path"]).read_bytes(),
        signing_certificate=ida["partner_signing_certificate_pem"].encode(),
        base_url=cfg["base_url"], misp_license_key=ida["misp_license_key"], partner_id=ida["partner_id"],
        partner_api_key=ida["api_key"], domain_uri=ida["domain_uri"])


def authenticate(credentials: IdaCredentials, individual_id: str, id_type: str,
                 demographics: dict[str, Any]) -> IdaResult:
    async def run() -> IdaResult:
        async with httpx.AsyncClient(timeout=10) as http:
            payload = {"individual_id": individual_id, "individual_id_type": id_type, "demographics": demographics}
            return await IdaClient(credentials, http).authenticate(payload, "ABCDE12345")

    return asyncio.run(run())


@pytest.fixture
def emulator_client(tmp_path: Path) -> Iterator[tuple[EmulatorServer, IdaCredentials, PacketClient]]:
    with EmulatorServer(tmp_path / "state", credential_delay=0.0) as emulator:
        cfg = emulator.client_config()
        packets = PacketClient(cfg)
        assert packets.login().status_code == 200
        try:
            yield emulator, emulator_credentials(cfg), packets
        finally:
            packets.http.close()


def test_a_death_makes_the_vid_fail_verification(emulator_client: Any) -> None:
    emulator, credentials, packets = emulator_client
    person = emulator.identities.all()[0]
    demo = demographics_of(person)
    before = authenticate(credentials, person["vid"], "VID", demo)
    assert before.error_class is None and before.auth_token
    create, start = packets.submit("RID-DEATH-IDA-01", "CRVS_DEATH", {"VID": person["vid"],
                                                                       "fullName": simple(person["full_name"]["eng"])})
    assert create.json()["errors"] is None and start.json()["errors"] is None
    after = authenticate(credentials, person["vid"], "VID", demo)
    assert after.codes == ["IDA-MLC-023"] and after.auth_status is False
    assert after.error_class is ErrorClass.FAILURE and after.failed_attributes == []
    by_uin = authenticate(credentials, person["uin"], "UIN", demo)
    assert by_uin.codes == ["IDA-MLC-022"] and by_uin.error_class is ErrorClass.FAILURE


def test_unknown_blocked_and_mismatching_identities_fail_verification(emulator_client: Any) -> None:
    emulator, credentials, packets = emulator_client
    first, second = emulator.identities.all()[:2]
    from mosip_emulator.fixtures import verhoeff_check_digit

    unknown = "987654321" + verhoeff_check_digit("987654321")
    result = authenticate(credentials, unknown, "UIN", demographics_of(first))
    assert result.codes == ["IDA-MLC-018"] and result.error_class is ErrorClass.FAILURE
    resp = packets.http.patch(f"{emulator.base_url}/idrepository/v1/vid/{second['vid']}",
                              json={"request": {"vidStatus": "REVOKED"}})
    assert resp.status_code == 200, resp.text
    result = authenticate(credentials, second["vid"], "VID", demographics_of(second))
    assert result.codes == ["IDA-MLC-018"] and result.error_class is ErrorClass.FAILURE
    wrong = {**demographics_of(first), "dob": "1900/01/01",
             "gender": [{"language": "eng", "value": "Unknown"}]}
    result = authenticate(credentials, first["uin"], "UIN", wrong)
    assert result.error_class is ErrorClass.FAILURE and result.failed_attributes == ["dob", "gender"]


def test_the_agent_records_a_deceased_parent_s_vid_as_a_failed_verification(linked: Any) -> None:
    """Through the device: IDA-MLC-023 is a verification outcome on the record, not a quarantine."""
    from sqlmodel import select

    from app.mosip.settings import load_settings
    from app.records import Actor, Role
    from app.security.secrets import SecretStore
    from app.store.models import Verification
    from mosip_emulator.fixtures import load_identities
    from sync.agent import SyncAgent
    from tests.sync.conftest import section_values

    deceased = next(i for i in load_identities() if i["status"] == "DEACTIVATED")
    device = linked.open()
    try:
        ana = Actor("ana", Role.AGENT)
        record = device.records.declare(ana, event="birth", data={
            "father.details_available": "no",
            "child.firstname": "Ada", "child.surname": "Lungu", "child.gender": "female",
            "child.dob": "2026-11-25", "informant.relation": "mother",
            **section_values("mother", deceased), "mother.nid": deceased["vid"]})
        agent = SyncAgent(device.records, device.country, load_settings(device.country, SecretStore(device.db)),
                          websub=False)
        agent.connectivity.online = True
        summary = agent.drain()
        assert summary.failed == 1 and summary.quarantined == 0 and summary.alert is None
        assert device.records.get(record.id).persons["mother"]["verification"] == "failed"
        with device.db.read() as session:
            verification = session.exec(select(Verification).where(Verification.record_id == record.id)).one()
        assert verification.error_codes == ["IDA-MLC-023"] and verification.failed_attributes == ["identity"]
    finally:
        device.close()
