"""`crvs-field qr decode` exactly as DESIGN §9 specifies it, on the committed samples."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "qr"


def decode(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crvs_field", "qr", "decode", *args],
                          capture_output=True, text=True, timeout=120)


def test_signed_claim169_with_an_added_trusted_key() -> None:
    result = decode(str(SAMPLES / "claim169_ed25519.png"), "--trusted-key", str(SAMPLES / "issuer_ed25519_test.pem"))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == {"format", "signature", "identity", "fields"}
    assert out["format"] == "claim169" and out["signature"] == "valid"
    assert out["identity"]["individual_id"] == "3918237465"
    assert out["identity"]["date_of_birth"] == "1987-04-12"
    assert out["fields"]["middlename"] == "Josee"  # split from the full name, middle name kept


def test_claim169_from_an_untrusted_issuer_is_rejected() -> None:
    result = decode(str(SAMPLES / "claim169_ed25519.png"))
    assert result.returncode == 4
    assert "issuer key not trusted" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("sample, fmt", [("opencrvs_after_1s.avi", "opencrvs-json"),
                                         ("mosip_card.png", "mosip-card-json"),
                                         ("pixelpass_vc.png", "pixelpass-json")])
def test_unsigned_formats_the_demo_country_accepts(sample: str, fmt: str) -> None:
    result = decode(str(SAMPLES / sample))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["format"] == fmt and out["signature"] == "unsigned"


def test_unsigned_formats_refused_where_the_country_does_not_accept_them() -> None:
    tongatapu = Path(__file__).resolve().parents[2] / "resources" / "countries" / "tongatapu"
    result = subprocess.run([sys.executable, "-m", "crvs_field", "--country", str(tongatapu), "qr", "decode",
                             str(SAMPLES / "opencrvs.png")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 4
    assert result.stderr.startswith("rejected:")


def test_no_code_and_bad_inputs() -> None:
    assert decode(str(SAMPLES / "no_code.avi")).returncode == 3
    missing = decode("/nonexistent.png")
    assert missing.returncode == 2 and "no such file" in missing.stderr
    bad_key = decode(str(SAMPLES / "opencrvs.png"), "--trusted-key", str(SAMPLES / "README.md"))
    assert bad_key.returncode == 2 and "trusted key" in bad_key.stderr
