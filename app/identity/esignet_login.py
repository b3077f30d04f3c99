"""The e-Signet login of a person's section: the `ESignetLogin` of app/identity/esignet_api.py.

    login = ESignetLoginService(country, records, actor, language="fr")
    login.availability()                       # (True, None) | (False, "why")
    outcome = login.login(record_id, "mother", open_url=webbrowser.open, cancel=threading.Event())

A successful login maps the verified userinfo claims to a normalised `Identity`, then to the
section's form fields (`identity_to_fields`), and stores the PSUT, the prefill and the verified
userinfo JWT in one `RecordService.record_authentication` call. Any failure writes nothing: what the agent typed stays.
Logs carry the record id, the section and the outcome — never a name, an id number, a date or a token.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from app.config.loader import LoadedCountry
from app.config.models import ESignetConfig, SecretRef
from app.errors import ConfigurationFault
from app.identity.esignet_api import ESignetOutcome, ESignetState, ESignetStep, ProgressCallback
from app.identity.esignet_loopback import LoopbackListener
from app.identity.mapping import identity_to_fields
from app.identity.model import Identity, LocalizedName, normalise_gender, parse_date
from app.mosip.esignet import (
    Authentication,
    ESignetCancelled,
    ESignetClient,
    ESignetConfigurationError,
    ESignetError,
    ESignetUnavailable,
    RelyingParty,
    iter_localized,
    load_encryption_key,
    load_private_key,
    time_left,
)
from app.records.service import Actor, RecordNotFound, RecordService
from app.records.validation import DeclarationInvalid, identity_applies
from app.records.workflow import ActionType, WorkflowError, check_permission
from app.security.secrets import MAX_SECRET_BYTES, MissingSecret, SecretStore
from app.store import Database

log = logging.getLogger(__name__)


# ISO 639-1 (what e-Signet puts after '#') ↔ the MOSIP ISO 639-3 codes of `country.mosip_languages`.
_LANG_3 = {"en": "eng", "fr": "fra", "ar": "ara", "es": "spa", "pt": "por", "sw": "swa", "km": "khm",
           "hi": "hin", "ta": "tam", "kn": "kan", "to": "ton", "ny": "nya", "bn": "ben", "am": "amh"}
_LANG_2 = {v: k for k, v in _LANG_3.items()} | {"fre": "fr"}


class SecretUnavailable(ConfigurationFault):
    """A secret reference that cannot be read (the message names the reference, never the value)."""

    default_code = "secret.unavailable"


def resolve_secret(country: LoadedCountry, ref: SecretRef, db: Database | None) -> bytes:
    """`{file: path}` relative to the country directory (demo keys), `{secret: name}` from the
    encrypted store (`app.security.secrets.SecretStore`); failures name the reference, never a value."""
    try:
        if ref.file is not None:
            path = country.resolve(ref.file)
            if path.stat().st_size > MAX_SECRET_BYTES:
                raise SecretUnavailable(f"{ref.file} is larger than {MAX_SECRET_BYTES} bytes")
            return path.read_bytes()
        if db is None:
            raise SecretUnavailable(f"secret '{ref.secret}' needs the device's encrypted store")
        return SecretStore(db).resolve(country, ref)
    except MissingSecret as exc:
        raise SecretUnavailable(str(exc)) from None
    except OSError as exc:
        raise SecretUnavailable(f"{ref.file} cannot be read ({exc.strerror})") from None


def mosip_language(tag: str) -> str:
    """'fr', 'fr-FR', 'fra', 'fre' → 'fra'; an unknown tag is kept, lower-cased."""
    base = tag.replace("_", "-").split("-")[0].strip().lower()
    if len(base) == 3:
        return {"fre": "fra"}.get(base, base)
    return _LANG_3.get(base, base)


def claims_locale(mosip_code: str) -> str:
    """'fra' → 'fr' (e-Signet's claims_locales / `claim#fr` form); unknown codes unchanged."""
    return _LANG_2.get(mosip_code.lower(), mosip_code.lower())


def _text(value: object, limit: int = 500) -> str | None:
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())[:limit]
    return None


def format_address(value: object) -> str | None:
    """An OIDC address claim (object, or text) → one line; `formatted` wins when present."""
    if isinstance(value, str):
        return _text(value)
    if not isinstance(value, Mapping):
        return None
    formatted = _text(value.get("formatted"))
    if formatted:
        return formatted
    order = ("street_address", "addressLine1", "addressLine2", "addressLine3", "locality", "city",
             "region", "province", "postal_code", "postalCode", "country")
    parts = [_text(value.get(k)) for k in order]
    parts += [_text(v) for k, v in value.items() if k not in order and k != "formatted"]
    seen: list[str] = []
    for part in parts:
        if part and part not in seen:
            seen.append(part)
    return ", ".join(seen) or None


def identity_from_claims(claims: Mapping[str, Any], languages: Sequence[str] = ("eng",)) -> Identity:
    """Verified userinfo claims → the normalised identity (DESIGN §9).

    Language-dependent claims come plain (one language) or as ``claim#<locale>`` (several); every
    language found is kept in ``names`` (MOSIP codes), the preferred one (first of ``languages``
    present) fills the top-level names. Middle names are kept; a lone ``name`` is split later by
    `identity_to_fields` without losing them.
    """
    preferred = [mosip_language(code) for code in languages] or ["eng"]
    name_claims = {"name": "full_name", "given_name": "given_name", "middle_name": "middle_name",
                   "family_name": "family_name"}
    plain: dict[str, str] = {}
    by_language: dict[str, dict[str, str]] = {}
    for claim, attribute in name_claims.items():
        for locale, value in iter_localized(claims, claim):
            text = _text(value, 200)
            if text is None:
                continue
            if locale is None:
                plain[attribute] = text
            else:
                by_language.setdefault(mosip_language(locale), {})[attribute] = text

    def pick(attribute: str) -> str | None:
        if attribute in plain:
            return plain[attribute]
        for code in preferred + sorted(by_language):
            value = by_language.get(code, {}).get(attribute)
            if value:
                return value
        return None

    def localized_first(claim: str, convert: Callable[[object], Any]) -> Any:
        values = dict(iter_localized(claims, claim))
        order: list[str | None] = [None]
        for code in preferred:
            order += [loc for loc in values if loc is not None and mosip_language(loc) == code]
        order += [loc for loc in values if loc not in order]
        for locale in order:
            if locale in values:
                converted = convert(values[locale])
                if converted:
                    return converted
        return None

    names = {code: LocalizedName(**parts) for code, parts in sorted(by_language.items())}
    individual_id = claims.get("individual_id")
    return Identity(
        individual_id=_text(individual_id, 64) if isinstance(individual_id, str) else None,
        full_name=pick("full_name"),
        given_name=pick("given_name"),
        middle_name=pick("middle_name"),
        family_name=pick("family_name"),
        date_of_birth=parse_date(claims.get("birthdate")),
        gender=localized_first("gender", normalise_gender),
        phone=_text(claims.get("phone_number"), 40),
        email=_text(claims.get("email"), 200),
        address=localized_first("address", format_address),
        names=names,
    )


def relying_party(country: LoadedCountry, config: ESignetConfig, db: Database | None) -> RelyingParty:
    """The country's e-Signet settings with its keys read (raises ESignetConfigurationError)."""
    try:
        signing = load_private_key(resolve_secret(country, config.client_key, db), config.client_key_id)
        encryption = (load_encryption_key(resolve_secret(country, config.encryption_key, db))
                      if config.encryption_key is not None else None)
    except SecretUnavailable as exc:
        raise ESignetConfigurationError(f"the e-Signet keys of this device are missing: {exc}") from None
    return RelyingParty(
        issuer=config.issuer,
        client_id=config.client_id,
        signing_key=signing,
        encryption_key=encryption,
        acr_values=tuple(config.acr_values),
        accepted_acr=tuple(config.accepted_acr) if config.accepted_acr is not None else (),
        claims={name: kind == "essential" for name, kind in config.claims.items()},
        claims_locales=tuple(dict.fromkeys(claims_locale(c) for c in country.config.mosip_languages)),
        timeout_seconds=config.timeout_seconds,
        redirect_ports=tuple(config.redirect_ports),
    )


def browser_login(client: ESignetClient, *, open_url: Callable[[str], object],
                  cancel: threading.Event | None = None, ui_locales: Sequence[str] = (),
                  page_language: str = "en", progress: ProgressCallback | None = None) -> Authentication:
    """Blocking, within the relying party's timeout: listen on loopback, hand the authorization URL
    to ``open_url`` (the system browser, or the person who opens it elsewhere), wait for the
    redirect, then let the protocol client verify it. ``cancel`` stops every step."""
    deadline = time.monotonic() + client.rp.timeout_seconds
    meta = client.discover(timeout=time_left(deadline, 10.0), cancel=cancel)
    try:
        listener = LoopbackListener(ports=client.rp.redirect_ports, language=page_language)
    except OSError as exc:
        raise ESignetConfigurationError(f"this computer cannot receive e-Signet's answer on 127.0.0.1 "
                                        f"({exc.strerror})", code="esignet.loopback_unavailable") from None
    with listener:
        request = client.authorization_request(meta, listener.redirect_uri, ui_locales=ui_locales)
        if cancel is not None and cancel.is_set():      # never open a browser for a cancelled login
            raise ESignetCancelled("The login was cancelled; nothing was changed.")
        if progress is not None:
            progress(ESignetStep.WAITING, time_left(deadline))
        try:
            open_url(request.url)
        except Exception as exc:  # a browser launcher can fail in many ways
            raise ESignetConfigurationError(f"the browser could not be opened ({type(exc).__name__})",
                                            code="esignet.browser_unavailable") from None
        log.debug("e-Signet authorization started; waiting for the redirect")
        params = listener.wait(deadline, cancel)
    if progress is not None:
        progress(ESignetStep.VERIFYING, time_left(deadline))
    return client.complete(meta, request, params, deadline=deadline, cancel=cancel)


class ESignetLoginService:
    """`ESignetLogin` for one device user. Keeps one protocol client (discovery and JWKS cached).

    ``language`` is the user's UI language: the e-Signet pages (``ui_locales``) and the loopback
    page use it. ``probe_timeout`` bounds `availability()`.
    """

    def __init__(self, country: LoadedCountry, records: RecordService, actor: Actor, *,
                 db: Database | None = None, language: str | None = None, probe_timeout: float = 3.0):
        self.country = country
        self.records = records
        self.actor = actor
        self.db = db if db is not None else records.db
        self.language = language or country.config.languages[0]
        self.probe_timeout = probe_timeout
        self._client: ESignetClient | None = None
        self._lock = threading.Lock()

    @property
    def config(self) -> ESignetConfig | None:
        return self.country.config.identity.esignet

    def client(self) -> ESignetClient:
        with self._lock:
            if self._client is None:
                config = self.config
                if config is None:
                    raise ESignetUnavailable("e-Signet is not configured for this country")
                self._client = ESignetClient(relying_party(self.country, config, self.db))
            return self._client

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    # ------------------------------------------------------------------ ESignetLogin
    def availability(self) -> tuple[bool, str | None]:
        try:
            self.client().probe(self.probe_timeout)
        except ESignetError as exc:
            return False, exc.message
        return True, None

    def login(self, record_id: str, section: str, *, open_url: Callable[[str], None],
              cancel: threading.Event, progress: ProgressCallback | None = None) -> ESignetOutcome:
        try:
            event = self._check_target(record_id, section)
        except (RecordNotFound, WorkflowError) as exc:
            return self._failed(record_id, section, "refused", str(exc), exc.code, exc.params)
        try:
            client = self.client()
            result = browser_login(client, open_url=open_url, cancel=cancel, ui_locales=[self.language],
                                   page_language=self.language, progress=progress)
        except ESignetUnavailable as exc:
            log.info("e-Signet login (record %s, section %s): offline", record_id, section)
            return ESignetOutcome(ESignetState.OFFLINE, message=f"{exc.message}. Enter the details by hand "
                                  "or scan the ID card; nothing was changed.", code=exc.code, params=exc.params)
        except ESignetError as exc:  # timeout, cancelled, provider error, verification, configuration
            message = exc.message
            if "nothing was changed" not in message:
                message = f"{message[:1].upper()}{message[1:]}; nothing was changed."
            return self._failed(record_id, section, exc.reason, message, exc.code, exc.params)

        if cancel.is_set():    # cancelled while the last answer was checked: write nothing
            exc = ESignetCancelled("The login was cancelled; nothing was changed.")
            return self._failed(record_id, section, exc.reason, exc.message, exc.code, exc.params)
        identity = identity_from_claims(result.claims, self.country.config.mosip_languages)
        try:
            fields = identity_to_fields(self.country, event, section, identity)
            record = self.records.record_authentication(self.actor, record_id, section, psut=result.subject,
                                                        values=fields, userinfo_jwt=result.userinfo_jwt)
        except DeclarationInvalid as exc:
            reasons = ", ".join(sorted({e.field for e in exc.errors}))
            return self._failed(record_id, section, "invalid_data",
                                f"e-Signet's data does not fit the form ({reasons}); nothing was changed.",
                                "esignet.data_does_not_fit", {"fields": reasons})
        except (RecordNotFound, WorkflowError) as exc:
            return self._failed(record_id, section, "refused", f"{exc}; nothing was changed.", exc.code,
                                exc.params)
        log.info("e-Signet login (record %s, section %s): authenticated, %d fields mapped",
                 record_id, section, len(fields))
        if record.status == "draft":
            code = "esignet.authenticated"
            message = f"Authenticated with e-Signet; {len(fields)} fields filled in."
        else:  # record_authentication writes a prefill into drafts only
            code = "esignet.authenticated_not_draft"
            message = (f"Authenticated with e-Signet; the record is no longer a draft, so its {len(fields)} "
                       "fields from e-Signet were not written into it.")
        return ESignetOutcome(ESignetState.AUTHENTICATED, fields=fields, psut=result.subject, message=message,
                              code=code, params={"count": len(fields)})

    # ------------------------------------------------------------------ helpers
    def _check_target(self, record_id: str, section: str) -> str:
        """The record's event, after checking the user may authenticate people and the section is a
        person of the record's form — before any network, so nobody logs in for nothing."""
        check_permission(ActionType.AUTHENTICATE, self.actor.role)
        record = self.records.get(record_id)
        form_section = self.country.config.form(record.event).section(section)
        if form_section is None or not form_section.identity:
            raise WorkflowError(f"'{section}' is not a person section of this {record.event} form")
        if not identity_applies(self.country, record.event, section, record.declaration,
                                self.records.clock().date()):
            raise WorkflowError(f"'{section}' has no national ID on this record (e.g. a newborn): "
                                "e-Signet does not apply")
        return record.event

    @staticmethod
    def _failed(record_id: str, section: str, reason: str, message: str, code: str | None = None,
                params: Mapping[str, str | int] | None = None) -> ESignetOutcome:
        log.info("e-Signet login (record %s, section %s): failed (%s)", record_id, section, reason)
        return ESignetOutcome(ESignetState.FAILED, message=message, code=code, params=dict(params or {}))
