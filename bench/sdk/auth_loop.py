"""Runs under /work/main/.venv-mosip-auth-sdk: a sequential mosip-auth-sdk 0.5.4 loop, timed.

    .venv-mosip-auth-sdk/bin/python bench/sdk/auth_loop.py CONFIG.json

CONFIG: {"auth_url", "domain_uri", "partner_id", "misp_license_key", "api_key", "ida_cert_path",
         "sign_p12", "decrypt_p12", "p12_password",
         "requests": [{"individual_id", "id_type", "txn_id", "demographics": {name, dob, gender}}]}
(demographics exactly as the device's frozen IDA payloads hold them). Only the loop is timed — the
SDK's set-up (imports, PKCS#12 loading) is not. Prints one JSON object: counts, error codes,
wall and CPU seconds of the loop, and the time of each `auth()` call (ms, with p50/p95: the
per-request latency of a sequential client). No personal data is printed.
"""

import json
import logging
import sys
import time
import types
from collections import Counter

from mosip_auth_sdk import MOSIPAuthenticator
from mosip_auth_sdk.models import DemographicsModel, IdentityInfo


def ns(**kw):
    return types.SimpleNamespace(**kw)


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        cfg = json.load(handle)
    config = ns(
        mosip_auth=ns(
            timestamp_format="%Y-%m-%dT%H:%M:%S", ida_auth_version="1.0",
            ida_auth_request_demo_id="mosip.identity.auth", ida_auth_request_kyc_id="mosip.identity.kyc",
            ida_auth_request_otp_id="mosip.identity.otp", ida_auth_env="Staging",
            authorization_header_constant="Authorization",  # '' makes IDA answer IDA-MLC-006
            partner_apikey=cfg["api_key"], partner_misp_lk=cfg["misp_license_key"], partner_id=cfg["partner_id"],
        ),
        mosip_auth_server=ns(ida_auth_domain_uri=cfg["domain_uri"], ida_auth_url=cfg["auth_url"]),
        crypto_encrypt=ns(
            symmetric_key_size=256, symmetric_nonce_size=128, symmetric_gcm_tag_size=128,
            encrypt_cert_path=cfg["ida_cert_path"], decrypt_p12_file_path=cfg["decrypt_p12"],
            decrypt_p12_file_password=cfg["p12_password"],
        ),
        crypto_signature=ns(algorithm="RS256", sign_p12_file_path=cfg["sign_p12"],
                            sign_p12_file_password=cfg["p12_password"]),
        logging=ns(log_file_path="/dev/null", log_format="%(message)s", loglevel="WARNING"),
    )
    logger = logging.getLogger("sdk-bench")
    logger.addHandler(logging.NullHandler())
    logger.propagate = False
    authenticator = MOSIPAuthenticator(config=config, logger=logger)

    prepared = []
    for item in cfg["requests"]:
        demo = item["demographics"]
        prepared.append((item, DemographicsModel(
            name=[IdentityInfo(language=n["language"], value=n["value"]) for n in demo.get("name", [])],
            dob=demo.get("dob", ""),
            gender=[IdentityInfo(language=g["language"], value=g["value"]) for g in demo.get("gender", [])],
        )))

    ok, http_errors = 0, 0
    codes = Counter()
    latencies = []
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for item, demographics in prepared:
        t0 = time.perf_counter()
        response = authenticator.auth(individual_id=item["individual_id"], individual_id_type=item["id_type"],
                                      demographic_data=demographics, txn_id=item["txn_id"], consent=True)
        latencies.append(round((time.perf_counter() - t0) * 1000, 3))
        if response.status_code != 200:
            http_errors += 1
            continue
        body = response.json()
        if (body.get("response") or {}).get("authStatus") is True and not body.get("errors"):
            ok += 1
        for error in body.get("errors") or []:
            codes[str(error.get("errorCode"))] += 1
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    ordered = sorted(latencies) or [0.0]

    def pct(q):
        return ordered[max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))]

    print(json.dumps({"requests": len(prepared), "auth_ok": ok, "http_errors": http_errors,
                      "error_codes": dict(codes), "wall_s": wall, "cpu_s": cpu,
                      "latency_p50_ms": pct(50), "latency_p95_ms": pct(95), "latencies_ms": latencies}), flush=True)


if __name__ == "__main__":
    main()
