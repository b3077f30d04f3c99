"""Deterministic synthetic identities and the thread-safe identity store (the emulated ID repository).

Every identity is a plain dict of exactly this shape (the e-Signet part of the emulator relies on it)::

    {"uin": "10 digits", "vid": "16 digits",
     "given_name": {"eng": ..., "fra": ...}, "middle_name": {...}, "family_name": {...},
     "full_name": {"eng": "Given Middle Family", "fra": ...},
     "dob": "yyyy/MM/dd", "gender": {"eng": "Female", "fra": "Féminin"},
     "phone": "+260...", "email": "...",
     "address": {"street_address", "locality", "region", "postal_code", "country"},
     "status": "ACTIVATED" | "DEACTIVATED", "vid_status": "ACTIVE" | "DEACTIVATED"}

UINs (10 digits) and VIDs (16 digits) carry a Verhoeff check digit, as MOSIP's kernel ID generators do.
``generate_identities()`` is a pure function of its seed; ``data/identities.json`` is its committed output
(``python -m mosip_emulator.fixtures`` regenerates it).
"""

from __future__ import annotations

import copy
import json
import os
import random
import secrets
import tempfile
import threading
import unicodedata
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

DEFAULT_SEED = 20261130
DEFAULT_COUNT = 120
LANGUAGES = ("eng", "fra")

# ------------------------------------------------------------------------------------------------
# Verhoeff check digit (MOSIP kernel UIN/VID validators)
_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
_INV = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)


def verhoeff_check_digit(digits: str) -> str:
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _D[c][_P[(i + 1) % 8][int(ch)]]
    return str(_INV[c])


def verhoeff_valid(number: str) -> bool:
    if not number.isdigit():
        return False
    c = 0
    for i, ch in enumerate(reversed(number)):
        c = _D[c][_P[i % 8][int(ch)]]
    return c == 0


def _make_id(rng: random.Random | secrets.SystemRandom, length: int) -> str:
    body = str(rng.randint(2, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(length - 2))
    return body + verhoeff_check_digit(body)


def is_valid_uin(value: str) -> bool:
    return isinstance(value, str) and len(value) == 10 and value[0] not in "01" and verhoeff_valid(value)


def is_valid_vid(value: str) -> bool:
    return isinstance(value, str) and len(value) == 16 and value[0] not in "01" and verhoeff_valid(value)


# ------------------------------------------------------------------------------------------------
# Name material: (eng, fra) pairs.  Zambian names are the same in both languages; a few European
# names differ between the languages; several carry accents in both.
FEMALE_GIVEN = [
    ("Amélie", "Amélie"), ("Zoë", "Zoë"), ("Chanda", "Chanda"), ("Mwila", "Mwila"), ("Bwalya", "Bwalya"),
    ("Natasha", "Natacha"), ("Grace", "Grâce"), ("Mary", "Marie"), ("Esther", "Esther"), ("Ruth", "Ruth"),
    ("Thandiwe", "Thandiwe"), ("Chipo", "Chipo"), ("Elizabeth", "Élisabeth"), ("Hélène", "Hélène"),
    ("Catherine", "Catherine"), ("Mercy", "Mercy"), ("Precious", "Precious"), ("Beatrice", "Béatrice"),
    ("Agnes", "Agnès"), ("Namukolo", "Namukolo"), ("Inonge", "Inonge"), ("Mutinta", "Mutinta"),
]
MALE_GIVEN = [
    ("José", "José"), ("Joseph", "Joseph"), ("John", "Jean"), ("Peter", "Pierre"), ("Mulenga", "Mulenga"),
    ("Kondwani", "Kondwani"), ("Chileshe", "Chileshe"), ("Emmanuel", "Emmanuel"), ("Stephen", "Étienne"),
    ("Francis", "François"), ("Andrew", "André"), ("Mwansa", "Mwansa"), ("Jérôme", "Jérôme"),
    ("Noël", "Noël"), ("Lubinda", "Lubinda"), ("Mutale", "Mutale"), ("Kelvin", "Kelvin"), ("Bupe", "Bupe"),
    ("Thomas", "Thomas"),
]
FAMILY = [
    "Nyirenda", "Banda", "Phiri", "Mulenga", "Tembo", "Zulu", "Lungu", "Mwale", "Sakala", "Daka", "Ngoma",
    "Kabwe", "Chanda", "Mbewe", "Bwalya", "Musonda", "Kapembwa", "N'gandu", "Lefèvre", "Beaulieu", "Siamé",
    "Mumba", "Chisanga", "Hamoonga",
]
PLACES = [
    ("Lusaka", "Lusaka Province", "10101"), ("Ndola", "Copperbelt Province", "10101"),
    ("Kitwe", "Copperbelt Province", "50100"), ("Livingstone", "Southern Province", "20100"),
    ("Kabwe", "Central Province", "80101"), ("Chipata", "Eastern Province", "51000"),
    ("Kasama", "Northern Province", "30100"), ("Solwezi", "North-Western Province", "42100"),
    ("Mongu", "Western Province", "60100"), ("Mansa", "Luapula Province", "71000"),
]
STREETS = ["Cairo Road", "Great East Road", "Independence Avenue", "Church Road", "Kafue Road",
           "Lumumba Road",
           "Freedom Way", "Mosi-oa-Tunya Road", "Chilimbulu Road", "Addis Ababa Drive"]
GENDERS = {
    "Female": {"eng": "Female", "fra": "Féminin"},
    "Male": {"eng": "Male", "fra": "Masculin"},
    "Other": {"eng": "Other", "fra": "Autre"},
}


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if c.isascii() and (c.isalnum()))


def full_name(given: str, middle: str, family: str) -> str:
    return " ".join(part for part in (given, middle, family) if part)


def make_identity(
    *,
    uin: str,
    vid: str,
    given: tuple[str, str],
    middle: tuple[str, str],
    family: tuple[str, str],
    dob: str,
    gender: str,
    phone: str,
    email: str,
    address: dict[str, str],
    status: str = "ACTIVATED",
) -> dict[str, Any]:
    given_d = {"eng": given[0], "fra": given[1]}
    middle_d = {"eng": middle[0], "fra": middle[1]}
    family_d = {"eng": family[0], "fra": family[1]}
    return {
        "uin": uin,
        "vid": vid,
        "given_name": given_d,
        "middle_name": middle_d,
        "family_name": family_d,
        "full_name": {lang: full_name(given_d[lang], middle_d[lang], family_d[lang]) for lang in LANGUAGES},
        "dob": dob,
        "gender": dict(GENDERS[gender]),
        "phone": phone,
        "email": email,
        "address": dict(address),
        "status": status,
        "vid_status": "ACTIVE" if status == "ACTIVATED" else "DEACTIVATED",
    }


def _dob(rng: random.Random, index: int) -> str:
    bucket = index % 20
    if bucket < 12:        # adults of childbearing age (18-45 at the end of 2026)
        year = rng.randint(1981, 2008)
    elif bucket < 16:      # older people, 1940-1980
        year = rng.randint(1940, 1980)
    elif bucket < 18:      # children
        year = rng.randint(2009, 2024)
    else:                  # babies born in 2025-2026
        year = rng.choice((2025, 2026))
    last_month = 10 if year == 2026 else 12
    month = rng.randint(1, last_month)
    day = rng.randint(1, 28)
    return f"{year:04d}/{month:02d}/{day:02d}"


def generate_identities(seed: int = DEFAULT_SEED, count: int = DEFAULT_COUNT) -> list[dict[str, Any]]:
    """A pure function of ``seed``: the same list every time (``identities[0]`` is hand-written)."""
    rng = random.Random(seed)
    used: set[str] = set()

    def fresh(length: int) -> str:
        while True:
            value = _make_id(rng, length)
            if value not in used:
                used.add(value)
                return value

    people: list[dict[str, Any]] = [
        make_identity(
            uin=fresh(10), vid=fresh(16),
            given=("Amélie", "Amélie"), middle=("Zoë", "Zoë"), family=("Nyirenda", "Nyirenda"),
            dob="1990/01/31", gender="Female", phone="+260971000001", email="amelie.nyirenda@example.org",
            address={"street_address": "Plot 12 Cairo Road", "locality": "Lusaka",
                     "region": "Lusaka Province",
                     "postal_code": "10101", "country": "Zambia"},
        )
    ]
    for i in range(1, count):
        gender = "Other" if i % 50 == 25 else ("Female" if i % 2 else "Male")
        pool = {"Female": FEMALE_GIVEN, "Male": MALE_GIVEN}.get(gender, FEMALE_GIVEN + MALE_GIVEN)
        given = rng.choice(pool)
        middle = rng.choice(pool) if rng.random() < 0.45 else ("", "")
        if middle == given:
            middle = ("", "")
        fam = rng.choice(FAMILY)
        city, region, postal = rng.choice(PLACES)
        email_local = f"{_ascii(given[0]).lower()}.{_ascii(fam).lower()}{i}"
        people.append(
            make_identity(
                uin=fresh(10), vid=fresh(16),
                given=given, middle=middle, family=(fam, fam), dob=_dob(rng, i), gender=gender,
                phone=f"+260{rng.choice(('95', '96', '97', '76', '77'))}{rng.randint(0, 9999999):07d}",
                email=f"{email_local}@example.org",
                address={"street_address": f"Plot {rng.randint(1, 999)} {rng.choice(STREETS)}",
                         "locality": city, "region": region, "postal_code": postal, "country": "Zambia"},
                # a few deactivated identities (deceased) at fixed positions near the end
                status="DEACTIVATED" if i in (count - 1, count - 2, count - 3) else "ACTIVATED",
            )
        )
    return people


def load_identities(path: str | os.PathLike[str] | None = None) -> list[dict[str, Any]]:
    """Identities from ``path``, or the committed default fixture file."""
    if path is None:
        text = resources.files("mosip_emulator").joinpath("data/identities.json").read_text("utf-8")
    else:
        text = Path(path).read_text("utf-8")
    data = json.loads(text)
    if isinstance(data, dict):
        data = data.get("identities", [])
    return [normalise_identity(x) for x in data]


def normalise_identity(raw: dict[str, Any]) -> dict[str, Any]:
    """A copy with derived keys filled (full_name, vid_status, empty middle names…)."""
    # one level of nested dicts of strings: copying each is a deep copy, ~5x cheaper than deepcopy()
    ident = {k: (dict(v) if isinstance(v, dict) else copy.deepcopy(v) if isinstance(v, list) else v)
             for k, v in raw.items()}
    for key in ("given_name", "middle_name", "family_name"):
        value = ident.get(key) or {}
        if isinstance(value, str):
            value = {lang: value for lang in LANGUAGES}
        ident[key] = {lang: value.get(lang, value.get("eng", "")) for lang in LANGUAGES}
    ident["full_name"] = {
        lang: full_name(ident["given_name"][lang], ident["middle_name"][lang], ident["family_name"][lang])
        for lang in LANGUAGES
    }
    gender = ident.get("gender") or {"eng": "Other"}
    if isinstance(gender, str):
        gender = GENDERS.get(gender.capitalize(), GENDERS["Other"])
    ident["gender"] = dict(GENDERS.get(gender.get("eng", "Other"), gender))
    ident.setdefault("dob", "")
    ident.setdefault("phone", "")
    ident.setdefault("email", "")
    if not isinstance(ident.get("address"), dict):
        ident["address"] = {}
    ident.setdefault("status", "ACTIVATED")
    ident.setdefault("vid_status", "ACTIVE" if ident["status"] == "ACTIVATED" else "DEACTIVATED")
    return ident


# ------------------------------------------------------------------------------------------------
class IdentityStore:
    """The emulated ID repository: lookups by UIN or VID, thread-safe mutations.

    Readers always get deep copies; ``persist_path`` (optional) receives the whole store after changes.
    """

    def __init__(self, identities: Iterable[dict[str, Any]], persist_path: Path | None = None) -> None:
        self._lock = threading.RLock()
        self._items: list[dict[str, Any]] = [normalise_identity(x) for x in identities]
        self._by_uin: dict[str, dict[str, Any]] = {}
        self._by_vid: dict[str, dict[str, Any]] = {}
        for ident in self._items:
            self._index(ident)
        self._persist_path = persist_path
        self._timer: threading.Timer | None = None
        self._rng = secrets.SystemRandom()

    def _index(self, ident: dict[str, Any]) -> None:
        self._by_uin[ident["uin"]] = ident
        if ident.get("vid"):
            self._by_vid[ident["vid"]] = ident

    # -- reads
    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def all(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._items)

    def by_uin(self, uin: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._by_uin.get(uin)
            return copy.deepcopy(found) if found else None

    def by_vid(self, vid: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._by_vid.get(vid)
            return copy.deepcopy(found) if found else None

    def peek(self, individual_id: str, id_type: str) -> dict[str, Any] | None:
        """The current record (no copy) by "UIN" or "VID": read-only; records are replaced, never
        changed in place, so a reader holds a consistent snapshot.  For hot paths (IDA)."""
        with self._lock:
            return (self._by_uin if id_type == "UIN" else self._by_vid).get(individual_id)

    def lookup(self, individual_id: str) -> dict[str, Any] | None:
        """By UIN or VID (the e-Signet part calls this)."""
        if not isinstance(individual_id, str):
            return None
        return self.by_uin(individual_id) or self.by_vid(individual_id)

    __call__ = lookup

    # -- writes
    def _fresh(self, length: int) -> str:
        while True:
            value = _make_id(self._rng, length)
            if value not in self._by_uin and value not in self._by_vid:
                return value

    def create(self, data: dict[str, Any]) -> dict[str, Any]:
        """A new ACTIVATED identity with a fresh UIN and VID (CRVS_NEW)."""
        with self._lock:
            ident = normalise_identity({**data, "uin": self._fresh(10), "vid": self._fresh(16),
                                        "status": "ACTIVATED", "vid_status": "ACTIVE"})
            self._items.append(ident)
            self._index(ident)
            self._save()
            return copy.deepcopy(ident)

    def _replace(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        """Copy-on-write: records are never changed in place, so ``peek()`` readers see a whole one."""
        for i, item in enumerate(self._items):
            if item is old:
                self._items[i] = new
                break
        self._by_uin[new["uin"]] = new
        if old.get("vid") and self._by_vid.get(old["vid"]) is old:
            del self._by_vid[old["vid"]]
        if new.get("vid"):
            self._by_vid[new["vid"]] = new
        self._save()

    def update(self, individual_id: str, changes: dict[str, Any]) -> dict[str, Any] | None:
        """Apply biographic changes (CRVS_UPDATE / PATCH identity); None when the id is unknown."""
        with self._lock:
            old = self._by_uin.get(individual_id) or self._by_vid.get(individual_id)
            if old is None:
                return None
            ident = copy.deepcopy(old)
            for key, value in changes.items():
                if key in ("uin", "vid", "full_name"):
                    continue
                if key in ("given_name", "middle_name", "family_name") and isinstance(value, dict):
                    ident[key] = {**ident[key], **value}
                elif key == "address" and isinstance(value, dict):
                    ident["address"] = {**ident.get("address", {}), **value}
                else:
                    ident[key] = value
            fresh = normalise_identity(ident)
            self._replace(old, fresh)
            return copy.deepcopy(fresh)

    def set_status(self, individual_id: str, status: str) -> dict[str, Any] | None:
        """UIN status ACTIVATED | BLOCKED | DEACTIVATED (the VID follows a deactivated UIN)."""
        with self._lock:
            old = self._by_uin.get(individual_id) or self._by_vid.get(individual_id)
            if old is None:
                return None
            fresh = {**old, "status": status}
            if status != "ACTIVATED":
                fresh["vid_status"] = "DEACTIVATED"
            self._replace(old, fresh)
            return copy.deepcopy(fresh)

    def deactivate(self, individual_id: str) -> dict[str, Any] | None:
        """CRVS_DEATH: the UIN and its VID are deactivated."""
        return self.set_status(individual_id, "DEACTIVATED")

    def set_vid_status(self, vid: str, vid_status: str) -> dict[str, Any] | None:
        with self._lock:
            old = self._by_vid.get(vid)
            if old is None:
                return None
            fresh = {**old, "vid_status": vid_status}
            self._replace(old, fresh)
            return copy.deepcopy(fresh)

    def _save(self) -> None:
        """Coalesced: the store is written at most twice a second (and by ``flush()`` at shutdown)."""
        if self._persist_path is None or self._timer is not None:
            return
        self._timer = threading.Timer(0.5, self.flush)
        self._timer.daemon = True
        self._timer.start()

    def flush(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._persist_path is None:
                return
            items = copy.deepcopy(self._items)
        self._persist_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self._persist_path.parent, prefix=".identities.")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(items, fh, ensure_ascii=False, indent=1)
        os.replace(tmp, self._persist_path)


def write_default_fixture(path: Path | None = None) -> Path:
    target = path or Path(__file__).with_name("data") / "identities.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(generate_identities(), ensure_ascii=False, indent=1) + "\n"
    target.write_text(text, encoding="utf-8")
    return target


if __name__ == "__main__":  # pragma: no cover - regenerates the committed fixture file
    print(write_default_fixture())
