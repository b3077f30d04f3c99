"""Units of the login: claims → identity → fields, the loopback listener, key loading, secrets."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from app.config.models import SecretRef
from app.identity.esignet_login import (
    SecretUnavailable,
    format_address,
    identity_from_claims,
    relying_party,
    resolve_secret,
)
from app.identity.esignet_loopback import LoopbackListener, callback_page
from app.identity.mapping import identity_to_fields
from app.mosip.esignet import (
    ESignetCancelled,
    ESignetConfigurationError,
    ESignetTimeout,
    ESignetVerificationError,
    load_private_key,
)
from app.records import Actor, Role
from app.security.secrets import SecretStore

from .conftest import KEYS

# ------------------------------------------------------------------------------ claims → identity


def test_localized_claims_keep_every_language_and_prefer_the_first():
    claims = {"sub": "x", "name#en": "Jane Mary Banda", "name#fr": "Jeanne Marie Banda",
              "given_name#en": "Jane", "given_name#fr-FR": "Jeanne", "middle_name#en": "Mary",
              "middle_name#fr": "Marie", "family_name#eng": "Banda", "family_name#fra": "Banda",
              "gender#fr": "Féminin", "gender#en": "Female", "birthdate": "1990/01/31",
              "phone_number": "+260971234567", "email": "jane@example.org",
              "address": {"street_address": "12 Cairo Road", "locality": "Lusaka", "country": "Zambia"}}
    identity = identity_from_claims(claims, ["fra", "eng"])
    assert (identity.given_name, identity.middle_name, identity.family_name) == ("Jeanne", "Marie", "Banda")
    assert identity.full_name == "Jeanne Marie Banda"
    assert identity.names["eng"].given_name == "Jane" and identity.names["eng"].middle_name == "Mary"
    assert identity.names["fra"].full_name == "Jeanne Marie Banda"
    assert identity.gender == "female"
    assert identity.date_of_birth == dt.date(1990, 1, 31)
    assert identity.phone == "+260971234567" and identity.email == "jane@example.org"
    assert identity.address == "12 Cairo Road, Lusaka, Zambia"
    assert identity.individual_id is None


def test_plain_claims_iso_dates_and_other_gender_words():
    identity = identity_from_claims({"sub": "x", "given_name": "Peter", "family_name": "Phiri",
                                     "birthdate": "1950-06-02", "gender": "M", "individual_id": "2345678901"})
    assert (identity.given_name, identity.family_name, identity.gender) == ("Peter", "Phiri", "male")
    assert identity.date_of_birth == dt.date(1950, 6, 2)
    assert identity.individual_id == "2345678901"
    odd = identity_from_claims({"sub": "x", "gender": "unknown-word", "birthdate": "31/01/1990", "name": 5})
    assert odd.gender is None and odd.date_of_birth is None and odd.full_name is None


def test_a_lone_name_is_split_without_losing_middle_names(farajaland):
    identity = identity_from_claims({"sub": "x", "name": "Amélie Zoë Grace Nyirenda"})
    fields = identity_to_fields(farajaland, "birth", "mother", identity)
    assert fields == {"mother.firstname": "Amélie", "mother.middlename": "Zoë Grace",
                      "mother.surname": "Nyirenda"}


def test_the_uin_reaches_a_field_only_when_the_country_maps_it(farajaland, tongatapu_like):
    identity = identity_from_claims({"sub": "x", "individual_id": "2345678901", "given_name": "Peter",
                                     "family_name": "Phiri", "gender": "Male"})
    assert identity_to_fields(farajaland, "birth", "father", identity)["father.nid"] == "2345678901"
    assert "2345678901" not in json.dumps(identity_to_fields(tongatapu_like, "birth", "father", identity))


@pytest.fixture
def tongatapu_like(farajaland):
    """Farajaland, but without an identity → field mapping for the ID number's field name."""
    import dataclasses

    fields = {k: v for k, v in farajaland.config.identity.fields.items()}
    fields["individual_id"] = "national_id"   # a field the birth form does not have
    identity = farajaland.config.identity.model_copy(update={"fields": fields})
    return dataclasses.replace(farajaland, config=farajaland.config.model_copy(update={"identity": identity}))


def test_address_formatting():
    assert format_address({"formatted": "1 Main St\nTown"}) == "1 Main St Town"
    assert format_address({"locality": "Ndola", "region": "Copperbelt", "extra": "Plot 4"}) == \
        "Ndola, Copperbelt, Plot 4"
    assert format_address("  a  b ") == "a b"
    assert format_address(["x"]) is None and format_address({}) is None


# ------------------------------------------------------------------------------ loopback listener


def test_the_listener_answers_only_the_callback_path_and_keeps_the_first_answer():
    with LoopbackListener(ports=(0,), language="fr") as listener:
        assert listener.redirect_uri.startswith("http://127.0.0.1:") and listener.redirect_uri.endswith("/callback")
        base = listener.redirect_uri.rsplit("/", 1)[0]
        with httpx.Client(timeout=5) as http:
            assert http.get(base + "/favicon.ico").status_code == 404
            assert http.post(listener.redirect_uri, content=b"code=x").status_code == 405
            assert http.get(listener.redirect_uri + "?" + "a" * 9000).status_code == 414
            assert http.get(listener.redirect_uri).status_code == 400          # a stray visit: ignored
            page = http.get(listener.redirect_uri + "?code=c1&state=s1")
            again = http.get(listener.redirect_uri + "?code=c2&state=s2")
        assert page.status_code == 200 and "Vous pouvez fermer cette fenêtre" in page.text
        assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
        assert again.status_code == 200
        assert listener.wait(time.monotonic() + 5) == {"code": "c1", "state": "s1"}


def test_repeated_parameters_are_malformed():
    with LoopbackListener(ports=(0,)) as listener, httpx.Client(timeout=5) as http:
        http.get(listener.redirect_uri + "?code=a&code=b&state=s")
        with pytest.raises(ESignetVerificationError):
            listener.wait(time.monotonic() + 5)


def test_waiting_ends_on_cancel_or_deadline():
    with LoopbackListener(ports=(0,)) as listener:
        with pytest.raises(ESignetTimeout):
            listener.wait(time.monotonic() + 0.1)
        cancel = threading.Event()
        cancel.set()
        with pytest.raises(ESignetCancelled):
            listener.wait(time.monotonic() + 60, cancel)


def test_error_page_in_english_for_unknown_languages():
    assert b"Login not completed" in callback_page("to", ok=False)
    assert b'lang="en"' in callback_page("to", ok=True)


# ------------------------------------------------------------------------------ keys and secrets


def test_client_keys_from_jwk_or_pem_need_a_kid():
    key = load_private_key((KEYS / "esignet-client.jwk.json").read_bytes())
    assert key.kid == "farajaland-esignet-client-demo" and key.is_private
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    assert load_private_key(pem, "ec-1").kid == "ec-1"
    with pytest.raises(ESignetConfigurationError, match="no key id"):
        load_private_key(pem)
    with pytest.raises(ESignetConfigurationError, match="not a private"):
        load_private_key((KEYS / "esignet-client.pub.jwk.json").read_bytes())
    with pytest.raises(ESignetConfigurationError) as err:
        load_private_key(b"-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----")
    assert "BEGIN" not in str(err.value)


def test_secrets_come_from_files_or_the_encrypted_store(farajaland, db):
    assert resolve_secret(farajaland, SecretRef(file="demo-keys/esignet-client.jwk.json"), db).startswith(b"{")
    with pytest.raises(SecretUnavailable, match="not in this device's store"):
        resolve_secret(farajaland, SecretRef(secret="esignet_client_key"), db)
    SecretStore(db).put("esignet_client_key", (KEYS / "esignet-client.jwk.json").read_bytes(),
                        actor=Actor("root", Role.ADMIN))
    config = farajaland.config.identity.esignet.model_copy(
        update={"client_key": SecretRef(secret="esignet_client_key")})
    rp = relying_party(farajaland, config, db)
    assert rp.signing_key.kid == "farajaland-esignet-client-demo"
    assert rp.encryption_key is not None and rp.claims["name"] is True and rp.claims["gender"] is False
    assert rp.claims_locales == ("en", "fr")
    missing = config.model_copy(update={"encryption_key": SecretRef(file="demo-keys/nothing.json")})
    with pytest.raises(ESignetConfigurationError, match=r"nothing\.json"):
        relying_party(farajaland, missing, db)
