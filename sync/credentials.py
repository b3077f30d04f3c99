"""Opening a CREDENTIAL_ISSUED delivery, however it arrived (the device's own WebSub callback or the
relay): parse the event, fetch its data share with the WEBSUB client's token if it has one (token
fetched again once if the first read fails), decrypt with the partner key and check it is about
its registration id (`app.mosip.websub`; sources in docs/fidelity/websub.md)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx

from app.delivery import DeliveryOutcomes
from app.mosip.settings import WebSubSettings
from app.mosip.websub import DeliveryNotReadYet, IssuedCredential, fetch_data_share, open_credential, parse_delivery
from app.store.models import Record

log = logging.getLogger("crvs_field.sync.credentials")

TokenSource = Callable[[bool], str]   # refresh → the WEBSUB client's token


def apply_credential(outcomes: DeliveryOutcomes, credential: IssuedCredential) -> Record | None:
    """Write an opened credential through the one writer; None when it changed nothing (a repeat,
    an unknown RID, or a credential without UIN/VID, e.g. a death confirmation)."""
    if not credential.uin and not credential.vid:
        log.info("credential for %s carries no UIN/VID (e.g. a death confirmation): nothing to store",
                 credential.registration_id)
        return None
    return outcomes.confirm_registration(credential.registration_id, vid=credential.vid, uin=credential.uin)


class CredentialReader:
    def __init__(self, settings: WebSubSettings, token_source: TokenSource | None = None,
                 http: httpx.Client | None = None) -> None:
        self.settings = settings
        self.token_source = token_source
        self.http = http or httpx.Client(trust_env=False, follow_redirects=False)

    def read(self, body: bytes) -> IssuedCredential:
        """DeliveryRejected: never readable; DeliveryNotReadYet: perhaps later (data share, token)."""
        delivery = parse_delivery(body)
        credential = delivery.credential
        if credential is None:
            assert delivery.data_share_uri is not None
            if self.token_source is None:
                raise DeliveryNotReadYet("no WEBSUB credential to read a data share with")
            try:
                credential = self._fetch(delivery.data_share_uri, refresh=False)
            except DeliveryNotReadYet:
                credential = self._fetch(delivery.data_share_uri, refresh=True)
        return open_credential(delivery, credential, self.settings.decryption_key)

    def _fetch(self, uri: str, *, refresh: bool) -> str:
        assert self.token_source is not None
        try:
            token = self.token_source(refresh)
        except Exception as exc:  # the auth manager is unreachable or refuses: later, perhaps
            raise DeliveryNotReadYet(f"no token for the data share ({type(exc).__name__})") from None
        return fetch_data_share(self.http, uri, token, timeout=self.settings.data_share_timeout)
