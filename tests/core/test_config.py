"""Country configuration: loads, and every mistake is named with file, line and path."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.config.loader import ConfigError, load_country
from tests.core.conftest import COUNTRIES


def crvs(*args: str, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crvs_field", *args], capture_output=True, text=True,
                          timeout=60, **kw)


@pytest.fixture
def country_copy(tmp_path: Path) -> Path:
    target = tmp_path / "farajaland"
    shutil.copytree(COUNTRIES / "farajaland", target)
    return target


def edit(country: Path, old: str, new: str) -> None:
    path = country / "country.yaml"
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def line_of(country: Path, needle: str) -> int:
    for number, line in enumerate((country / "country.yaml").read_text().splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


@pytest.mark.parametrize("name", ["farajaland", "tongatapu"])
def test_shipped_countries_pass_config_check(name: str) -> None:
    result = crvs("config", "check", str(COUNTRIES / name))
    assert result.returncode == 0, result.stderr
    assert name in result.stdout


def test_unknown_field_in_a_rule_names_file_line_and_path(country_copy: Path) -> None:
    edit(country_copy, 'when: "has(deceased.nid) && size(deceased.nid) == 16"',
         'when: "has(deceased.national_number)"')
    result = crvs("config", "check", str(country_copy))
    assert result.returncode == 2
    expected_line = line_of(country_copy, "has(deceased.national_number)")
    assert (f"{country_copy / 'country.yaml'}:{expected_line}: integration.rules.4.when: "
            "unknown field 'deceased.national_number'") in result.stderr


def test_unknown_field_id_in_a_string_literal_is_an_error(country_copy: Path) -> None:
    edit(country_copy, '"child.middlename", "child.surname"', '"child.midname", "child.surname"')
    with pytest.raises(ConfigError, match=r"unknown field 'child\.midname'"):
        load_country(country_copy)


def test_unknown_key_is_reported_with_its_line(country_copy: Path) -> None:
    edit(country_copy, "  store_uin: false", "  store_uin: false\n  store_uim: true")
    with pytest.raises(ConfigError) as info:
        load_country(country_copy)
    (issue,) = info.value.issues
    assert issue.path == "mosip.store_uim"
    assert issue.message == "unknown key"
    assert issue.line == line_of(country_copy, "store_uim")


def test_several_problems_are_reported_at_once(country_copy: Path) -> None:
    edit(country_copy, "birthCertificateNumber: registration_number\n        parentOrGuardianName",
         "birthCertNo: registration_number\n        parentOrGuardianName")
    edit(country_copy, "    gender: gender\n    phone: phone", "    gender: gender\n    phone: telephone")
    edit(country_copy, "age_in_days(child.dob) <= 365 && !has(child.nid) &&\n        (mother",
         "age_in_dayz(child.dob) <= 365 && !has(child.nid) &&\n        (mother")
    with pytest.raises(ConfigError) as info:
        load_country(country_copy)
    messages = {(i.path, i.message) for i in info.value.issues}
    assert ("integration.rules.0.share.birthCertNo",
            "rule 'birth-register-new-uin': 'birthCertNo' is not a field of the MOSIP ID schema") in messages
    assert ("identity.fields.phone", "no identity section has a field named 'telephone'") in messages
    assert ("integration.rules.0.when", "unknown function 'age_in_dayz'") in messages


def test_expression_that_does_not_parse(country_copy: Path) -> None:
    edit(country_copy, 'rule: "child.dob <= today"', 'rule: "child.dob <= "')
    with pytest.raises(ConfigError, match=r"forms\.birth\.sections\.0\.fields\.4\.validation\.0\.rule: does not parse"):
        load_country(country_copy)


def test_invalid_yaml_and_duplicate_keys(country_copy: Path) -> None:
    edit(country_copy, "country: farajaland", "country: farajaland\ncountry: again")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_country(country_copy)


def test_environment_overrides_endpoints(country_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRVS_MOSIP_BASE_URL", "http://127.0.0.1:5555")
    country = load_country(country_copy)
    assert country.config.mosip.ida.base_url == "http://127.0.0.1:5555"
    monkeypatch.delenv("CRVS_MOSIP_BASE_URL")
    assert load_country(country_copy).config.mosip.ida.base_url == "https://api-internal.farajaland.example"


def test_untrusted_key_file_must_match_its_algorithm(country_copy: Path) -> None:
    (country_copy / "demo-keys" / "qr-issuer-ed25519.pub.pem").write_text("not a key")
    with pytest.raises(ConfigError, match="not a PEM public key"):
        load_country(country_copy)


def test_claim169_cannot_be_accepted_unsigned(country_copy: Path) -> None:
    edit(country_copy, "accept_unsigned: [pixelpass-json", "accept_unsigned: [claim169, pixelpass-json")
    with pytest.raises(ConfigError, match="cannot be accepted unsigned"):
        load_country(country_copy)


def test_config_schema_is_json_schema() -> None:
    result = crvs("config", "schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "crvs-field country configuration"
    assert "integration" in schema["properties"]
    assert "Rule" in schema["$defs"]
