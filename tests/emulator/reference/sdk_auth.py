"""Runs under /work/main/.venv-mosip-auth-sdk: MOSIP's own Python client against the emulator.

    python sdk_auth.py CONFIG.json

CONFIG: {"auth_url", "domain_uri", "partner_id", "misp_license_key", "api_key", "ida_cert_path",
         "sign_p12", "decrypt_p12", "p12_password", "log_file",
         "requests": [{"individual_id", "id_type", "name": [[lang, value]...], "dob", "gender": [[lang, value]],
                       "txn_id", "tamper": null | "body-after-signing" | "hmac", "controller": "auth" | "kyc"}]}
Prints one JSON line per request: {"status_code", "body", "response_signature"}.
"""

import base64
import hashlib
import json
import logging
import os
import sys
import types

from mosip_auth_sdk import MOSIPAuthenticator
from mosip_auth_sdk._authenticator.utils import cryptoutil, restutil
from mosip_auth_sdk.models import DemographicsModel, IdentityInfo


def ns(**kw):
    return types.SimpleNamespace(**kw)


def main() -> None:
    cfg = json.loads(open(sys.argv[1], encoding="utf-8").read())
    config = ns(
        mosip_auth=ns(
            timestamp_format="%Y-%m-%dT%H:%M:%S",
            ida_auth_version="1.0",
            ida_auth_request_demo_id="mosip.identity.auth",
            ida_auth_request_kyc_id="mosip.identity.kyc",
            ida_auth_request_otp_id="mosip.identity.otp",
            ida_auth_env="Staging",
            # the template default '' makes IDA answer IDA-MLC-006: any non-empty value works
            authorization_header_constant="Authorization",
            partner_apikey=cfg["api_key"],
            partner_misp_lk=cfg["misp_license_key"],
            partner_id=cfg["partner_id"],
        ),
        mosip_auth_server=ns(ida_auth_domain_uri=cfg["domain_uri"], ida_auth_url=cfg["auth_url"]),
        crypto_encrypt=ns(
            symmetric_key_size=256,
            symmetric_nonce_size=128,
            symmetric_gcm_tag_size=128,
            encrypt_cert_path=cfg["ida_cert_path"],
            decrypt_p12_file_path=cfg["decrypt_p12"],
            decrypt_p12_file_password=cfg["p12_password"],
        ),
        crypto_signature=ns(
            algorithm="RS256",
            sign_p12_file_path=cfg["sign_p12"],
            sign_p12_file_password=cfg["p12_password"],
        ),
        logging=ns(log_file_path=cfg["log_file"], log_format="%(message)s", loglevel="WARNING"),
    )
    logger = logging.getLogger("sdk")
    logger.addHandler(logging.NullHandler())
    logger.propagate = False
    original_post = restutil.RestUtility.post_request
    original_encrypt = cryptoutil.CryptoUtility.encrypt_auth_data

    authenticator = MOSIPAuthenticator(config=config, logger=logger)
    for item in cfg["requests"]:
        tamper = item.get("tamper")
        restutil.RestUtility.post_request = original_post
        cryptoutil.CryptoUtility.encrypt_auth_data = original_encrypt
        if tamper == "body-after-signing":
            def post(self, path_params=None, additional_headers={}, data=None, cookies=None):  # noqa: B006
                body = json.loads(data)
                body["consentObtained"] = not body["consentObtained"]  # any change after signing
                return original_post(self, path_params, additional_headers, json.dumps(body), cookies)

            restutil.RestUtility.post_request = post
        elif tamper == "hmac":
            def encrypt_with_wrong_hash(self, auth_data):
                # what the SDK does, but the HMAC block carries the hash of another plaintext
                data = auth_data.encode("utf-8")
                aes_key = os.urandom(32)
                enc = self._symmetric_encrypt(data, aes_key)
                wrong = hashlib.sha256(data + b"tampered").hexdigest().upper().encode("utf-8")
                return (
                    base64.urlsafe_b64encode(enc).decode(),
                    base64.urlsafe_b64encode(self._asymmetric_encrypt(aes_key)).decode(),
                    base64.urlsafe_b64encode(self._symmetric_encrypt(wrong, aes_key)).decode(),
                )

            cryptoutil.CryptoUtility.encrypt_auth_data = encrypt_with_wrong_hash
        demographics = DemographicsModel(
            name=[IdentityInfo(language=lang, value=value) for lang, value in item.get("name", [])],
            dob=item.get("dob", ""),
            gender=[IdentityInfo(language=lang, value=value) for lang, value in item.get("gender", [])],
        )
        call = authenticator.kyc if item.get("controller") == "kyc" else authenticator.auth
        response = call(
            individual_id=item["individual_id"],
            individual_id_type=item.get("id_type", "UIN"),
            demographic_data=demographics,
            txn_id=item.get("txn_id", ""),
            consent=True,
        )
        body = response.json()
        result = {"status_code": response.status_code, "body": body,
                  "response_signature": response.headers.get("response-signature")}
        if item.get("controller") == "kyc" and body.get("response", {}).get("identity"):
            result["identity"] = authenticator.decrypt_response(body)  # the SDK's own eKYC decryption
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
