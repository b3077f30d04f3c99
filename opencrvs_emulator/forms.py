"""Event forms and the NOTIFY validation OpenCRVS core runs on a declaration.

Sources (opencrvs/opencrvs-core v2.0.0, d244255356082c3b54fd5f7455e9a8b8d7a71d50):
- ``packages/events/src/router/middleware/validate/index.ts`` ``validateNotifyAction``: every declaration
  key must be a field of the declaration form (else ``Unexpected field``), every annotation key a field
  of the DECLARE review (else ``Unexpected field``); each value gets the structural check of its field
  type with ``required`` forced to false; an empty value (``''``, or an object whose values are all empty)
  is not checked (``conditionals/validate.ts`` ``isFieldEmptyAndNotRequired``).
- ``packages/commons/src/events/FieldTypeMapping.ts`` ``mapFieldTypeToZod``: the value shape per field type
  (``FieldValue.ts``, ``CompositeFieldValue.ts``); ``conditionals/validate.ts`` ``zodToIntlErrorMap``: the
  message (``Required``, ``Invalid input``, ``Invalid date field``, ``Invalid email address``).

Not modelled: the forms' SHOW conditionals (core skips a hidden field; here every field is checked) and
custom ``validation`` rules (core does not run them for NOTIFY either).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_COUNTRY = DATA_DIR / "farajaland.json"

REQUIRED = "Required"
INVALID = "Invalid input"
INVALID_DATE = "Invalid date field"
INVALID_EMAIL = "Invalid email address"
UNEXPECTED = "Unexpected field"

# field types whose value is a plain string (mapFieldTypeToZod: TextValue)
TEXT_TYPES = frozenset({
    "TEXT", "TEXTAREA", "DIVIDER", "BULLET_LIST", "PAGE_HEADER", "LOCATION", "SELECT", "COUNTRY",
    "RADIO_GROUP", "PARAGRAPH", "HEADING", "IMAGE_VIEW", "ADMINISTRATIVE_AREA", "FACILITY", "OFFICE",
    "PHONE", "LINK_BUTTON", "VERIFICATION_STATUS", "ID", "LOADER", "ALPHA_HIDDEN", "USER_ROLE",
    "ALPHA_PRINT_BUTTON",
})
SELECT_DATE_RANGES = ("last7Days", "last30Days", "last90Days", "last365Days")
_UUID = re.compile(r"^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}"
                   r"|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$")
_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
# zod's z.email() pattern (v4), enough to tell an address from free text
_EMAIL = re.compile(r"^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$")


@dataclass(frozen=True)
class FieldConfig:
    id: str
    type: str
    required: bool = False
    street_address_ids: tuple[str, ...] = ()
    secured: bool = False  # left out of search results (indexing/utils.ts removeSecuredFields)
    options: tuple[str, ...] = ()  # SELECT / RADIO_GROUP values (served; NOTIFY does not check them)

    def public(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "type": self.type, "required": self.required, "secured": self.secured,
                               "label": {"id": f"{self.id}.label", "defaultMessage": self.id, "description": ""}}
        if self.options:
            out["options"] = [{"value": v, "label": {"id": f"{self.id}.{v}", "defaultMessage": v, "description": ""}}
                              for v in self.options]
        if self.type == "ADDRESS":
            out["configuration"] = {"streetAddressForm": [{"id": i, "type": "TEXT"} for i in
                                                          self.street_address_ids]}
        return out


@dataclass
class EventForm:
    id: str
    pages: list[tuple[str, list[FieldConfig]]]
    review: list[FieldConfig]
    by_id: dict[str, FieldConfig] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for _, fields in self.pages:
            for f in fields:
                self.by_id.setdefault(f.id, f)

    def config(self) -> dict[str, Any]:
        """The event configuration as ``GET /events/config`` lists it, reduced to what a client uses."""
        return {
            "id": self.id,
            "label": {"id": f"event.{self.id}.label", "defaultMessage": self.id.capitalize(), "description": ""},
            "declaration": {
                "label": {"id": f"event.{self.id}.action.declare.form.label", "defaultMessage": self.id,
                          "description": ""},
                "pages": [{"id": pid, "type": "FORM", "fields": [f.public() for f in fields]}
                          for pid, fields in self.pages],
            },
            "actions": [{"type": "DECLARE", "review": {"fields": [f.public() for f in self.review]}},
                        {"type": "NOTIFY"}, {"type": "REGISTER"}, {"type": "REJECT"}],
        }


@dataclass
class Country:
    source: dict[str, Any]
    forms: dict[str, EventForm]
    locations: list[dict[str, Any]]
    administrative_areas: list[dict[str, Any]]

    def location_exists(self, location_id: str) -> bool:
        return any(loc["id"] == location_id for loc in self.locations)


def load_country(path: Path | str = DEFAULT_COUNTRY) -> Country:
    data = json.loads(Path(path).read_text("utf-8"))
    forms: dict[str, EventForm] = {}
    for event_id, spec in data["events"].items():
        pages = [(p["id"], [_field(f) for f in p["fields"]]) for p in spec["pages"]]
        forms[event_id] = EventForm(event_id, pages, [_field(f) for f in spec.get("review", [])])
    return Country(data.get("source", {}), forms, data.get("locations", []), data.get("administrativeAreas", []))


def _field(spec: dict[str, Any]) -> FieldConfig:
    return FieldConfig(str(spec["id"]), str(spec["type"]), bool(spec.get("required", False)),
                       tuple(spec.get("streetAddressForm", ())), bool(spec.get("secured", False)),
                       tuple(spec.get("options", ())))


# ------------------------------------------------------------------------------------------ validation
def validate_notify(form: EventForm, declaration: dict[str, Any], annotation: dict[str, Any] | None,
                    file_exists: Callable[[str], bool] | None = None) -> list[dict[str, Any]]:
    """``validateNotifyAction``: annotation errors first, then declaration errors, each ``{message, id, value}``."""
    errors: list[dict[str, Any]] = []
    review = {f.id: f for f in form.review}
    for key, value in (annotation or {}).items():
        f = review.get(key)
        if f is None:
            errors.append({"message": UNEXPECTED, "id": key, "value": value})
            continue
        errors.extend({"message": m, "id": key, "value": value} for m in check_value(f, value))
    for key, value in declaration.items():
        f = form.by_id.get(key)
        if f is None:
            errors.append({"message": UNEXPECTED, "id": key, "value": value})
            continue
        errors.extend({"message": m, "id": key, "value": value} for m in check_value(f, value))
    return errors


def is_empty(value: Any) -> bool:
    if value == "":
        return True
    if isinstance(value, dict):
        return all(v == "" for v in value.values())
    if isinstance(value, list):
        return all(v == "" for v in value)
    return False


def check_value(f: FieldConfig, value: Any) -> list[str]:
    """The messages ``validateFieldInput`` gives a value of this field type (none when it fits)."""
    if value is None or is_empty(value):
        return []
    checker = _CHECKERS.get(f.type)
    if checker is None:
        if f.type in TEXT_TYPES:
            return [] if isinstance(value, str) else [INVALID]
        return []  # _EXPERIMENTAL_CUSTOM and unknown types: z.unknown()
    return checker(f, value)


def _is_str(v: Any) -> bool:
    return isinstance(v, str)


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _opt(v: Any, test: Callable[[Any], bool]) -> bool:
    return v is None or test(v)


def _plain_date(v: Any) -> str | None:
    if not isinstance(v, str):
        return INVALID
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        return INVALID_DATE
    try:
        dt.date.fromisoformat(v)
    except ValueError:
        return INVALID_DATE
    return None


def _uuid(v: Any) -> bool:
    # z.string().uuid(): the same pattern as z.uuid()
    return isinstance(v, str) and _UUID.match(v) is not None


def _date(f: FieldConfig, v: Any) -> list[str]:
    problem = _plain_date(v)
    return [problem] if problem else []


def _email(f: FieldConfig, v: Any) -> list[str]:
    if not isinstance(v, str):
        return [INVALID]
    return [] if _EMAIL.match(v) else [INVALID_EMAIL]


def _time(f: FieldConfig, v: Any) -> list[str]:
    return [] if isinstance(v, str) and _TIME.match(v) else [INVALID]


def _age(f: FieldConfig, v: Any) -> list[str]:
    if not isinstance(v, dict):
        return [INVALID]
    out = []
    if "age" not in v or v["age"] is None:
        out.append(REQUIRED)
    elif not _is_num(v["age"]):
        out.append(INVALID)
    if "asOfDateRef" not in v or v["asOfDateRef"] is None:
        out.append(REQUIRED)
    elif not _is_str(v["asOfDateRef"]):
        out.append(INVALID)
    return out


def _name(f: FieldConfig, v: Any) -> list[str]:
    # NameFieldUpdateValue (NOTIFY): firstname / surname / middlename, each string or null
    if not isinstance(v, dict):
        return [INVALID]
    return [INVALID for k in ("firstname", "surname", "middlename") if not _opt(v.get(k), _is_str)]


def _address(f: FieldConfig, v: Any) -> list[str]:
    # AddressFieldUpdateValue: discriminated by addressType (none or another value: "Required"), then
    # getDynamicAddressFieldValue refuses streetLevelDetails keys the field does not configure
    if not isinstance(v, dict):
        return [INVALID]
    kind = v.get("addressType")
    if kind not in ("DOMESTIC", "INTERNATIONAL"):
        return [REQUIRED]
    out = []
    if not _opt(v.get("country"), _is_str):
        out.append(INVALID)
    details = v.get("streetLevelDetails")
    if details is not None and not (isinstance(details, dict)
                                    and all(_opt(x, _is_str) for x in details.values())):
        out.append(INVALID)
    if kind == "DOMESTIC" and v.get("administrativeArea") is not None and not _uuid(v["administrativeArea"]):
        out.append(INVALID)
    if not out and isinstance(details, dict) and any(k not in f.street_address_ids for k in details):
        out.append(INVALID)
    return out


def _file(v: Any, with_option: bool) -> bool:
    keys = ("path", "originalFilename", "type") + (("option",) if with_option else ())
    return isinstance(v, dict) and all(_is_str(v.get(k)) for k in keys)


def _file_field(f: FieldConfig, v: Any) -> list[str]:
    return [] if _file(v, False) else [INVALID]


def _file_with_options(f: FieldConfig, v: Any) -> list[str]:
    return [] if isinstance(v, list) and all(_file(x, True) for x in v) else [INVALID]


def _http(f: FieldConfig, v: Any) -> list[str]:
    # HttpFieldUpdateValue: {loading?: bool|null, error?: {statusCode: number, message: string}|null, data?: any}
    if not isinstance(v, dict):
        return [INVALID]
    out = []
    if not _opt(v.get("loading"), lambda x: isinstance(x, bool)):
        out.append(INVALID)
    err = v.get("error")
    if err is not None and not (isinstance(err, dict) and _is_num(err.get("statusCode"))
                                and _is_str(err.get("message"))):
        out.append(INVALID)
    return out


def _read_data(f: FieldConfig, v: Any) -> list[str]:
    # QrReaderFieldValue / IdReaderFieldValue: z.object({data: z.any()})
    return [] if isinstance(v, dict) else [INVALID]


def _query_params(f: FieldConfig, v: Any) -> list[str]:
    ok = isinstance(v, dict) and isinstance(v.get("data"), dict) and all(_is_str(x) for x in v["data"].values())
    return [] if ok else [INVALID]


def _number(f: FieldConfig, v: Any) -> list[str]:
    return [] if _is_num(v) else [INVALID]


def _checkbox(f: FieldConfig, v: Any) -> list[str]:
    return [] if isinstance(v, bool) else [INVALID]


def _number_with_unit(f: FieldConfig, v: Any) -> list[str]:
    if not isinstance(v, dict):
        return [INVALID]
    ok = ("numericValue" not in v or _is_num(v["numericValue"])) and ("unit" not in v or _is_str(v["unit"]))
    return [] if ok else [INVALID]


def _autocomplete(f: FieldConfig, v: Any) -> list[str]:
    return [] if isinstance(v, dict) and _is_str(v.get("label")) and _is_str(v.get("value")) else [INVALID]


def _date_range(f: FieldConfig, v: Any) -> list[str]:
    if isinstance(v, dict):
        return [] if _plain_date(v.get("start")) is None and _plain_date(v.get("end")) is None else [INVALID]
    return _date(f, v)


def _select_date_range(f: FieldConfig, v: Any) -> list[str]:
    return [] if v in SELECT_DATE_RANGES else [INVALID]


def _data(f: FieldConfig, v: Any) -> list[str]:
    return [] if isinstance(v, dict) and isinstance(v.get("data"), dict) else [INVALID]


_CHECKERS: dict[str, Callable[[FieldConfig, Any], list[str]]] = {
    "DATE": _date, "AGE": _age, "TIME": _time, "EMAIL": _email, "DATE_RANGE": _date_range,
    "SELECT_DATE_RANGE": _select_date_range, "NUMBER": _number, "NUMBER_WITH_UNIT": _number_with_unit,
    "CHECKBOX": _checkbox, "SIGNATURE": _file_field, "FILE": _file_field, "FILE_WITH_OPTIONS": _file_with_options,
    "ADDRESS": _address, "DATA": _data, "NAME": _name, "BUTTON": _number, "AUTOCOMPLETE": _autocomplete,
    "HTTP": _http, "SEARCH": _http, "QUERY_PARAM_READER": _query_params, "QR_READER": _read_data,
    "ID_READER": _read_data,
}


def file_paths(form: EventForm, declaration: dict[str, Any]) -> list[str]:
    """Document paths in FILE fields (``addAction`` refuses a path the documents service does not hold)."""
    out = []
    for key, value in declaration.items():
        f = form.by_id.get(key)
        if f is not None and f.type == "FILE" and _file(value, False):
            out.append(value["path"])
    return out
