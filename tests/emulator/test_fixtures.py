"""Identity fixtures and the identity store."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from mosip_emulator.fixtures import (
    IdentityStore,
    generate_identities,
    is_valid_uin,
    is_valid_vid,
    load_identities,
)

KEYS = {"uin", "vid", "given_name", "middle_name", "family_name", "full_name", "dob", "gender", "phone", "email",
        "address", "status", "vid_status"}


def test_committed_fixture_is_the_generator_output() -> None:
    committed = load_identities()
    assert committed == generate_identities()
    assert generate_identities() == generate_identities()
    assert len(committed) >= 100


def test_shape_and_values() -> None:
    people = load_identities()
    uins = {p["uin"] for p in people}
    vids = {p["vid"] for p in people}
    assert len(uins) == len(vids) == len(people)
    for p in people:
        assert set(p) == KEYS
        assert is_valid_uin(p["uin"]) and is_valid_vid(p["vid"])
        for key in ("given_name", "middle_name", "family_name", "full_name"):
            assert set(p[key]) == {"eng", "fra"}
        for lang in ("eng", "fra"):
            parts = [p["given_name"][lang], p["middle_name"][lang], p["family_name"][lang]]
            assert p["full_name"][lang] == " ".join(x for x in parts if x)
        assert p["gender"] in ({"eng": "Female", "fra": "Féminin"}, {"eng": "Male", "fra": "Masculin"},
                               {"eng": "Other", "fra": "Autre"})
        assert len(p["dob"]) == 10 and p["dob"][4] == p["dob"][7] == "/"
        assert "1940/01/01" <= p["dob"] <= "2026/11/30"
        assert p["phone"].startswith("+260") and "@" in p["email"]
        assert set(p["address"]) == {"street_address", "locality", "region", "postal_code", "country"}
        assert p["status"] in ("ACTIVATED", "DEACTIVATED")
    names = " ".join(p["full_name"]["eng"] + p["full_name"]["fra"] for p in people)
    for accented in ("Amélie", "José", "Zoë", "Nyirenda"):
        assert accented in names
    assert any(p["dob"] >= "2025" for p in people)                       # babies
    assert sum(1 for p in people if "1981" <= p["dob"] < "2008") >= 50   # parents of childbearing age
    assert any(p["dob"] < "1950" for p in people)
    assert any(p["status"] == "DEACTIVATED" for p in people)
    assert any(p["middle_name"]["eng"] == "" for p in people)


def test_first_identity_is_stable() -> None:
    first = load_identities()[0]
    assert first["full_name"] == {"eng": "Amélie Zoë Nyirenda", "fra": "Amélie Zoë Nyirenda"}
    assert first["dob"] == "1990/01/31"
    assert first["uin"] == "4905541242" and first["vid"] == "2313564198990139"
    assert first["status"] == "ACTIVATED"


def test_identities_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "people.json"
    path.write_text(json.dumps([{"uin": "2345678901", "vid": "4321098765432109",
                                 "given_name": {"eng": "Jane", "fra": "Jeanne"}, "family_name": "Banda",
                                 "dob": "1990/01/31", "gender": "female"}]))
    (person,) = load_identities(path)
    assert person["full_name"] == {"eng": "Jane Banda", "fra": "Jeanne Banda"}
    assert person["middle_name"] == {"eng": "", "fra": ""}
    assert person["gender"]["fra"] == "Féminin" and person["status"] == "ACTIVATED"


def test_store_lookups_and_mutations(tmp_path: Path) -> None:
    persisted = tmp_path / "ids.json"
    store = IdentityStore(load_identities()[:5], persist_path=persisted)
    first = store.all()[0]
    assert store.lookup(first["uin"]) == store.lookup(first["vid"]) == first
    assert store.lookup("nope") is None
    # readers get copies
    store.lookup(first["uin"])["dob"] = "2000/01/01"
    assert store.by_uin(first["uin"])["dob"] == first["dob"]
    updated = store.update(first["vid"], {"family_name": {"eng": "Mwale", "fra": "Mwale"}})
    assert updated is not None and updated["full_name"]["eng"] == "Amélie Zoë Mwale"
    assert store.deactivate(first["uin"])["vid_status"] == "DEACTIVATED"
    store.flush()
    assert json.loads(persisted.read_text())[0]["status"] == "DEACTIVATED"
    assert IdentityStore(load_identities(persisted)).by_uin(first["uin"])["status"] == "DEACTIVATED"
    created: list[dict] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(50):
            ident = store.create({"given_name": "Baby", "family_name": "Banda", "dob": "2026/11/01",
                                  "gender": "Male"})
            with lock:
                created.append(ident)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({c["uin"] for c in created}) == 200 and len(store) == 205
    assert all(is_valid_uin(c["uin"]) and is_valid_vid(c["vid"]) for c in created)
