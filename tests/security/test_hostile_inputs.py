"""Issue 17 findings 4, 6, 8, 9 and 10 against the real CLI: each hostile input ends with its exit
code and a message, in bounded time and under 512 MiB, with no traceback and nothing written."""

from __future__ import annotations

import json
import os
import shutil
import stat
import struct
from pathlib import Path

import pytest

from tests.core.conftest import farajaland_birth
from tests.security.hostile import ADMIN_PIN, AGENT_PIN, FARAJALAND, ROOT, copy_device, make_device, run, tree_bytes


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_device(tmp_path_factory.mktemp("hostile-inputs"))


@pytest.fixture
def device(template: Path, tmp_path: Path) -> Path:
    return copy_device(template, tmp_path / "device")


def _country(tmp_path: Path, old: str, new: str) -> Path:
    target = tmp_path / "country"
    shutil.copytree(FARAJALAND, target)
    text = (target / "country.yaml").read_text(encoding="utf-8")
    assert old in text, old
    (target / "country.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


def _agent(device: Path, *args: str, case: str, timeout: float = 60) -> object:
    return run(["--data-dir", str(device), "--user", "ana", *args], case=case, timeout=timeout,
               env={"CRVS_FIELD_PIN": AGENT_PIN})


def _admin(device: Path, *args: str, case: str) -> object:
    return run(["--data-dir", str(device), "--user", "root", *args], case=case, env={"CRVS_FIELD_PIN": ADMIN_PIN})


def test_finding_4_decompression_bombs(tmp_path: Path) -> None:
    width = height = 30000
    dib = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 8, 1, 0, 0, 0, 256, 0)
    pixels = b"\x00\x01" * 200
    offset = 14 + len(dib) + 1024
    bmp = b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset) + dib + b"\0" * 1024 + pixels
    (tmp_path / "bomb.bmp").write_bytes(bmp)
    run(["qr", "decode", str(tmp_path / "bomb.bmp")], case="4: 1 KB RLE8 BMP declaring 30000x30000",
        timeout=30).assert_clean_refusal(2, "larger than 40 Mpx")
    (tmp_path / "odd.tif").write_bytes(b"II*\x00" + b"\0" * 100)
    run(["qr", "decode", str(tmp_path / "odd.tif")], case="4: a format outside the allow-list",
        timeout=30).assert_clean_refusal(2, "unsupported image format")

    lol = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
    (tmp_path / "lol").mkdir()
    (tmp_path / "lol" / "country.yaml").write_text(lol)
    for args, case in ((["config", "check", str(tmp_path / "lol")], "4: billion laughs to config check"),
                       (["--country", str(tmp_path / "lol"), "qr", "decode", str(tmp_path / "bomb.bmp")],
                        "4: billion laughs to qr decode --country")):
        run(args, case=case, timeout=30).assert_clean_refusal(2, "YAML aliases")


def test_finding_6_cel_literals_and_budget(tmp_path: Path) -> None:
    country = _country(tmp_path, 'visible_if: "father.details_available == \'yes\'", label: {en: First name(s)',
                       'visible_if: "true", label: {en: First name(s)')
    probe = ("import datetime as dt, sys; from app.config.loader import load_country; "
             "from app.records.validation import visible_fields; "
             f"c = load_country({str(country)!r}); "
             "print('father.firstname' in visible_fields(c, 'birth', {'father.firstname': 'J'}, dt.date(2026, 1, 1)))")
    outcome = run(["-c", probe], case="6: visible_if \"true\" keeps the field", module=False, timeout=60)
    assert outcome.code == 0 and outcome.stdout.strip() == "True", outcome.stderr[-800:]

    foundling = "visible_if: \"!has(child.foundling) || child.foundling != 'yes'\""
    deep = _country(tmp_path / "deep", foundling, 'visible_if: "' + "(" * 1500 + "true" + ")" * 1500 + '"')
    run(["config", "check", str(deep)], case="6: 1,500 nested parentheses",
        timeout=30).assert_clean_refusal(2, "nests brackets")
    nested = _country(tmp_path / "nested", "visible_if: \"!has(child.foundling) || child.foundling != 'yes'\"",
                      "visible_if: \"[1,2,3].all(a, [1,2,3].all(b, [1,2,3].all(c, true)))\"")
    run(["config", "check", str(nested)], case="6: nested comprehensions",
        timeout=30).assert_clean_refusal(2, "comprehension inside another")


def test_finding_8_hostile_country(tmp_path: Path, device: Path) -> None:
    url = "${CRVS_MOSIP_BASE_URL:-https://api-internal.farajaland.example}"
    key_file = "demo-keys/partner-signing.key.pem"
    for name, old, new, message in (
            ("8: ${CRVS_FIELD_DB_KEY} in a URL", url, "https://evil.example/${CRVS_FIELD_DB_KEY:-x}",
             "CRVS_FIELD_DB_KEY"),
            ("8: ${HOME} in a URL", url, "https://evil.example/${HOME:-x}", "only variables named CRVS_"),
            ("8: {file: /etc/passwd}", key_file, "/etc/passwd", "relative to the country"),
            ("8: {file: ../..}", key_file, "../../../../../etc/passwd", "outside the country"),
            ("8: back-reference pattern", 'pattern: "^[0-9]{10}$|^[0-9]{16}$"', r"pattern: '^(a+)\1$'", "RE2")):
        country = _country(tmp_path / f"case{len(name)}{abs(hash(new)) % 10_000}", old, new)
        run(["config", "check", str(country)], case=name, timeout=30,
            env={"CRVS_FIELD_DB_KEY": "ab" * 32}).assert_clean_refusal(2, message)

    evil = _country(tmp_path / "redos", 'pattern: "^[0-9]{10}$|^[0-9]{16}$"', "pattern: '^(a+)+$'")
    data = tmp_path / "birth.json"
    data.write_text(json.dumps(farajaland_birth(**{"mother.nid": "a" * 40 + "!"})))
    before = tree_bytes(device)
    outcome = _agent(device, "--country", str(evil), "records", "declare", "--event", "birth", "--data", str(data),
                     case="8: ^(a+)+$ against 40 a's and a '!'", timeout=30)
    outcome.assert_clean_refusal(2, "expected format")
    assert outcome.seconds < 15
    assert tree_bytes(device)["crvs.db"] == before["crvs.db"]


def test_finding_9_cli_inputs(tmp_path: Path, device: Path) -> None:
    before = tree_bytes(device)
    files = {"deep": "[" * 100_000 + "]" * 100_000, "digits": '{"child.firstname": ' + "9" * 5000 + "}",
             "surrogate": '{"child.firstname": "\\ud800"}'}
    for name, text in files.items():
        (tmp_path / f"{name}.json").write_text(text)
        _agent(device, "records", "declare", "--event", "birth", "--data", str(tmp_path / f"{name}.json"),
               case=f"9: records declare, {name}").assert_clean_refusal(2, "JSON")
    _agent(device, "records", "declare", "--event", "birth", "--data", "/dev/zero",
           case="9: /dev/zero to --data", timeout=30).assert_clean_refusal(2, "regular file")
    for limit in ("99999999999999999999", "-1"):
        _agent(device, "records", "list", "--limit", limit, case=f"9: --limit {limit}").assert_clean_refusal(
            2, "integer from 1")

    mixed = tmp_path / "mixed.json"
    mixed.write_text(json.dumps({"websub_secret": "good", "x" * 65: "bad"}))
    (tmp_path / "empty.json").write_text(json.dumps({"": "bad"}))
    for path, case in ((mixed, "9: secrets import, 65-char name among good ones"),
                       (tmp_path / "empty.json", "9: secrets import, empty name")):
        _admin(device, "secrets", "import", str(path), case=case).assert_clean_refusal(2, "secret name")
    _admin(device, "secrets", "import", "/dev/zero", case="9: /dev/zero to secrets import",
           ).assert_clean_refusal(2, "regular file")
    assert tree_bytes(device)["crvs.db"] == before["crvs.db"]  # nothing imported, not even the good one

    image = next(p for p in sorted((ROOT / "tests" / "fixtures" / "qr").rglob("*.png")))
    run(["qr", "decode", str(image),
         "--trusted-key", "/dev/zero"], case="9: /dev/zero to --trusted-key", timeout=30).assert_clean_refusal(
        2, "regular file")

    (tmp_path / "a-file").write_text("x")
    for target, case in ((tmp_path / "a-file", "9: --data-dir a file"), (Path("/dev/null"), "9: --data-dir /dev/null")):
        run(["--data-dir", str(target), "init", "--admin", "root"], case=case,
            env={"CRVS_FIELD_PIN": ADMIN_PIN}).assert_clean_refusal(2, "not a directory")

    _admin(device, "agent-key", case="9: agent-key, first").assert_clean_refusal(0, "agent key provisioned")
    _admin(device, "agent-key", case="9: agent-key twice").assert_clean_refusal(2, "already exists")
    _admin(device, "agent-key", "--file", str(tmp_path / "missing" / "agent.key"),
           case="9: agent-key into a missing folder").assert_clean_refusal(2, "not a folder")

    os.chmod(device, 0o777)  # noqa: S103 - the mode an old install left, which must be tightened
    os.chmod(device / "crvs.db", 0o644)
    _agent(device, "device", "show", case="9: modes enforced on an existing directory").assert_clean_refusal(0, "")
    assert stat.S_IMODE(device.stat().st_mode) == 0o700
    for name in ("crvs.db", "keyslots.json", "device.json"):
        assert stat.S_IMODE((device / name).stat().st_mode) == 0o600, name
    log = device / "logs" / "crvs-field.log"
    if log.exists():
        assert stat.S_IMODE(log.stat().st_mode) == 0o600

    good = (device / "keyslots.json").read_bytes()
    for variant, text in (("not JSON", b"{"), ("a list", b"[]"), ("slots a list", b'{"version": 2, "slots": []}'),
                          ("a slot a string", b'{"version": 2, "admin_public": null, "slots": {"ana": "x"}}'),
                          ("costs huge", good.replace(b'"memory_kib": 65536', b'"memory_kib": 99999999')),
                          ("old version", b'{"version": 1, "slots": {}}')):
        (device / "keyslots.json").write_bytes(text)
        outcome = _agent(device, "device", "show", case=f"9: damaged keyslots.json, {variant}")
        assert outcome.code in (1, 2) and "Traceback" not in outcome.stderr, (variant, outcome.stderr[-800:])
        assert "key slot" in outcome.stderr or "wrong PIN" in outcome.stderr, (variant, outcome.stderr)


def test_finding_10_dependency_floors() -> None:
    outcome = run([str(ROOT / "scripts" / "check_advisories.py")], case="10: offline advisory check", module=False)
    outcome.assert_clean_refusal(0, "all at or above their floors")
