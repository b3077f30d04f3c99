"""NOTIFY validation against the event form (middleware/validate/index.ts, FieldTypeMapping.ts)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from opencrvs_emulator.server import OpenCrvsServer

from .conftest import BIRTH, Api


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    # one server for the module: every check creates its own event
    with OpenCrvsServer() as server:
        client = Api(server)
        yield client
        client.close()


def _errors(api: Api, declaration: dict[str, Any], **extra: Any) -> list[dict[str, Any]]:
    answer = api.notify(api.create()["id"], declaration, **extra)
    if answer.status_code == 200:
        return []
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == "BAD_REQUEST"
    return json.loads(answer.json()["message"])


def test_every_declaration_key_must_be_a_form_field(api: Api) -> None:
    assert _errors(api, {**BIRTH, "child.favouriteColour": "blue", "deceased.name": {"firstname": "X"}}) == [
        {"message": "Unexpected field", "id": "child.favouriteColour", "value": "blue"},
        {"message": "Unexpected field", "id": "deceased.name", "value": {"firstname": "X"}},
    ]


def test_annotation_keys_are_the_declare_review_fields(api: Api) -> None:
    assert _errors(api, BIRTH, annotation={"review.comment": "from the field"}) == []
    assert _errors(api, BIRTH, annotation={"review.rating": 5}) == [
        {"message": "Unexpected field", "id": "review.rating", "value": 5}]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("child.dob", "2026-02-30", "Invalid date field"),
    ("child.dob", 20261101, "Invalid input"),
    ("child.name", {"firstname": 999999, "surname": "Banda"}, "Invalid input"),
    ("child.name", "Ama Banda", "Invalid input"),
    ("child.gender", 1, "Invalid input"),
    ("child.weightAtBirth", "3.2", "Invalid input"),
    ("mother.detailsNotAvailable", "yes", "Invalid input"),
    ("mother.age", {"age": "thirty", "asOfDateRef": "child.dob"}, "Invalid input"),
    ("informant.email", "not-an-address", "Invalid email address"),
    ("mother.address", {"country": "FAR"}, "Required"),
    ("mother.address", {"addressType": "DOMESTIC", "country": "FAR", "administrativeArea": "Ibombo"}, "Invalid input"),
    ("mother.address", {"addressType": "INTERNATIONAL", "country": "FRA",
                        "streetLevelDetails": {"planet": "Mars"}}, "Invalid input"),
    ("documents.proofOfBirth", {"path": "a.png"}, "Invalid input"),
    ("mother.verify-nid-http-fetch", {"loading": "no", "data": {}}, "Invalid input"),
    ("mother.verify-nid-http-fetch", {"error": {"statusCode": "500"}}, "Invalid input"),
    ("mother.id-reader", "QR text", "Invalid input"),
    ("mother.query-params", {"data": {"code": 1}}, "Invalid input"),
    ("mother.verified", True, "Invalid input"),
    ("mother.nid", 4905541242, "Invalid input"),
])
def test_value_shapes_by_field_type(api: Api, field: str, value: Any, message: str) -> None:
    assert _errors(api, {**BIRTH, field: value}) == [{"message": message, "id": field, "value": value}]


def test_mosip_fields_accepted_with_their_real_shapes(api: Api) -> None:
    declaration = {
        "mother.verified": "verified", "mother.nid": "4905541242",
        "mother.id-reader": {"data": {"name": {"firstname": "Amélie", "surname": "Nyirenda"},
                                      "birthDate": "1990-01-31", "nid": "4905541242", "idType": "NATIONAL_ID",
                                      "gender": "female"}},
        "informant.verified": "authenticated",
        "informant.verify-nid-http-fetch": {"loading": False, "error": None,
                                            "data": {"sub": "1" * 36, "name": "Jo", "birthdate": "1980-01-01"}},
        "informant.query-params": {"data": {"code": "abc", "state": "xyz"}},
        "father.verified": "failed", "father.verify-nid-http-fetch": {"loading": False,
                                                                      "error": {"statusCode": 401, "message": "no"},
                                                                      "data": {"verificationStatus": "failed"}},
        "mother.address": {"addressType": "DOMESTIC", "country": "FAR",
                           "administrativeArea": "6c1a2c3f-1f0e-4d7a-9b35-1ab3f0a2f3d4",
                           "streetLevelDetails": {"town": "Isamba", "street": "Mwale"}},
    }
    assert _errors(api, declaration) == []


def test_empty_and_null_values_are_not_checked(api: Api) -> None:
    assert _errors(api, {"child.dob": "", "child.name": None, "mother.address": {"country": ""},
                         "mother.verified": None}) == []


def test_any_string_passes_as_verification_status(api: Api) -> None:
    # VERIFICATION_STATUS maps to TextValue in mapFieldTypeToZod: OpenCRVS does not check the enum
    assert _errors(api, {"mother.verified": "probably"}) == []


def test_an_unknown_document_path_is_refused(api: Api) -> None:
    value = {"path": "ab12.png", "originalFilename": "birth.png", "type": "image/png"}
    answer = api.notify(api.create()["id"], {"documents.proofOfBirth": value})
    assert (answer.status_code, answer.json()["message"]) == (400, "File not found: ab12.png")
    api.admin("/files", {"path": "ab12.png"})
    assert api.notify(api.create()["id"], {"documents.proofOfBirth": value}).status_code == 200
