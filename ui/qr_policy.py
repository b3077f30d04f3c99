"""The country's QR policy (trusted issuers, unsigned formats, languages) as a `QrPolicy`.

Written here because no helper in app/identity builds it from the country configuration yet;
it only reads the configuration and key files (relative to the country directory)."""

from __future__ import annotations

from app.config.loader import LoadedCountry
from app.identity.qr import QrPolicy, TrustedKey


def policy_for(country: LoadedCountry) -> QrPolicy:
    qr = country.config.identity.qr
    keys = []
    for issuer in qr.trusted_issuers:
        pem = country.resolve(issuer.public_key_file).read_bytes()
        keys.append(TrustedKey(kid=issuer.kid, alg=issuer.alg, public_key_pem=pem))
    return QrPolicy(trusted_keys=keys,
                    accept_unsigned=[f.value for f in qr.accept_unsigned],
                    formats=[f.value for f in qr.formats],
                    languages=country.config.mosip_languages)
