"""MOSIP's own Python client (mosip-auth-sdk 0.5.4, separate venv) against the emulator's IDA."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from mosip_emulator.server import EmulatorServer
from tests.emulator.helpers import verify_detached_jws

ROOT = Path(__file__).resolve().parents[2]
SDK_PYTHON = ROOT / ".venv-mosip-auth-sdk" / "bin" / "python"
SCRIPT = Path(__file__).parent / "reference" / "sdk_auth.py"

pytestmark = pytest.mark.skipif(not SDK_PYTHON.exists(), reason="mosip-auth-sdk venv not installed (scripts/dev)")


def run_sdk(cfg: dict[str, Any], requests: list[dict[str, Any]], tmp_path: Path) -> list[dict[str, Any]]:
    ida = cfg["ida"]
    config = {
        "auth_url": ida["auth_url"].rsplit("/auth", 1)[0] + "/",
        "domain_uri": ida["domain_uri"],
        "partner_id": ida["partner_id"],
        "misp_license_key": ida["misp_license_key"],
        "api_key": ida["api_key"],
        "ida_cert_path": ida["encryption_certificate_path"],
        "sign_p12": ida["partner_signing_p12_path"],
        "decrypt_p12": cfg["websub"]["partner_encryption_p12_path"],
        "p12_password": ida["p12_password"],
        "log_file": str(tmp_path / "sdk.log"),
        "requests": requests,
    }
    path = tmp_path / "sdk-config.json"
    path.write_text(json.dumps(config), "utf-8")
    out = subprocess.run([str(SDK_PYTHON), str(SCRIPT), str(path)], capture_output=True, text=True, timeout=120,
                         check=False)
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def test_mosip_auth_sdk_against_the_emulator(emulator: EmulatorServer, client_config: dict[str, Any],
                                             tmp_path: Path) -> None:
    person = emulator.identities.all()[0]
    other = emulator.identities.all()[1]
    results = run_sdk(client_config, [
        {"individual_id": person["uin"], "id_type": "UIN", "txn_id": "SDKTXN0001",
         "name": [["eng", person["full_name"]["eng"]]], "dob": person["dob"],
         "gender": [["eng", person["gender"]["eng"]]]},
        {"individual_id": person["vid"], "id_type": "VID", "txn_id": "SDKTXN0002",
         "name": [["fra", person["full_name"]["fra"]]]},
        {"individual_id": person["uin"], "id_type": "UIN", "txn_id": "SDKTXN0003",
         "name": [["eng", other["full_name"]["eng"]]], "dob": person["dob"]},
        {"individual_id": person["uin"], "id_type": "UIN", "txn_id": "SDKTXN0004",
         "name": [["eng", person["full_name"]["eng"]]], "tamper": "body-after-signing"},
        {"individual_id": person["uin"], "id_type": "UIN", "txn_id": "SDKTXN0005",
         "name": [["eng", person["full_name"]["eng"]]], "tamper": "hmac"},
        {"individual_id": person["vid"], "id_type": "VID", "txn_id": "SDKKYC0001", "controller": "kyc",
         "name": [["eng", person["full_name"]["eng"]]], "dob": person["dob"]},
    ], tmp_path)
    assert [r["status_code"] for r in results] == [200] * 6
    ok, by_vid, wrong_name, altered, bad_hmac, kyc = (r["body"] for r in results)
    assert ok["response"]["authStatus"] is True, ok
    assert ok["transactionID"] == "SDKTXN0001"
    assert by_vid["response"]["authStatus"] is True, by_vid
    assert by_vid["response"]["authToken"] == ok["response"]["authToken"]
    assert wrong_name["response"]["authStatus"] is False
    assert [(e["errorCode"], e["errorMessage"]) for e in wrong_name["errors"]] == [
        ("IDA-DEA-001", "Demographic data name in eng did not match")]
    assert [e["errorCode"] for e in altered["errors"]] == ["IDA-MPA-001"]
    assert [e["errorCode"] for e in bad_hmac["errors"]] == ["IDA-MPA-016"]
    # the response signature verifies against IDA's signing certificate
    raw = json.dumps(ok, separators=(",", ":"), ensure_ascii=False).encode()
    assert verify_detached_jws(results[0]["response_signature"], raw,
                               client_config["ida"]["response_signing_certificate_pem"])
    counters = emulator.counters()["ida_requests"]
    assert all(counters[f"SDKTXN000{i}"] == 1 for i in range(1, 6))
    # eKYC: the SDK's own kyc() and decrypt_response read the identity
    assert kyc["id"] == "mosip.identity.kyc" and kyc["response"]["kycStatus"] is True, kyc
    identity = results[5]["identity"]
    assert identity["fullName_eng"] == person["full_name"]["eng"]
    assert identity["dateOfBirth"] == person["dob"]

