"""Fixtures for the core: a real encrypted device database per test, real country configs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app.config.loader import LoadedCountry, load_country
from app.records import Actor, RecordService, Role
from app.store import Database, new_data_key

ROOT = Path(__file__).resolve().parents[2]
COUNTRIES = ROOT / "resources" / "countries"
TODAY = dt.date(2026, 11, 30)
NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)

AGENT = Actor("ana", Role.AGENT)
SUPERVISOR = Actor("sam", Role.SUPERVISOR)
REGISTRAR = Actor("rex", Role.REGISTRAR)
ADMIN = Actor("root", Role.ADMIN)


def years_ago(years: int, days: int = 0) -> str:
    return (TODAY.replace(year=TODAY.year - years) - dt.timedelta(days=days)).isoformat()


@pytest.fixture(scope="session")
def farajaland() -> LoadedCountry:
    return load_country(COUNTRIES / "farajaland")


@pytest.fixture(scope="session")
def tongatapu() -> LoadedCountry:
    return load_country(COUNTRIES / "tongatapu")


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(tmp_path / "crvs.db", new_data_key())
    database.migrate()
    yield database
    database.close()


@pytest.fixture
def service(db: Database, farajaland: LoadedCountry) -> RecordService:
    return RecordService(db, farajaland, clock=lambda: NOW)


@pytest.fixture
def tonga_service(db: Database, tongatapu: LoadedCountry) -> RecordService:
    return RecordService(db, tongatapu, clock=lambda: NOW)


def farajaland_birth(child_dob: str = "2026-11-01", **overrides: str) -> dict[str, str]:
    data = {
        "child.firstname": "Amélie", "child.middlename": "Grace", "child.surname": "Banda",
        "child.gender": "female", "child.dob": child_dob,
        "mother.nid": "1234567890", "mother.firstname": "Zoë", "mother.surname": "Banda",
        "mother.dob": "1990-01-31",
        "father.details_available": "yes", "father.nid": "2345678901", "father.firstname": "José",
        "father.surname": "Phiri", "father.dob": "1988-05-02",
        "informant.relation": "mother",
    }
    data.update(overrides)
    return data


def farajaland_death(**overrides: str) -> dict[str, str]:
    data = {
        "deceased.nid": "4512345678901234", "deceased.firstname": "Kondwani", "deceased.surname": "Mwale",
        "deceased.gender": "male", "deceased.dob": "1950-03-04", "deceased.date_of_death": "2026-11-20",
        "informant.relation": "son", "informant.nid": "3456789012", "informant.firstname": "Chikondi",
        "informant.surname": "Mwale",
    }
    data.update(overrides)
    return data
