"""The small HTML pages of the emulated e-Signet login (no JavaScript, no external assets).

Every page carries machine-readable markers so that a test or a CLI can drive it without a
browser: ``<main data-step="login|consent|error" data-error="<code>">`` and the hidden
``transaction_id`` input. English and French (from ``ui_locales``). The primary button comes
first in the form so that pressing Enter submits it, never "Cancel".
"""

from __future__ import annotations

from html import escape

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f5f9;margin:0;
color:#1f2933}
main{max-width:26rem;margin:3rem auto;background:#fff;border-radius:12px;padding:2rem;
box-shadow:0 2px 14px rgba(15,23,42,.08)}
h1{font-size:1.25rem;margin:0 0 .25rem}p.sub{margin:0 0 1.5rem;color:#52606d;font-size:.9rem}
label{display:block;font-size:.85rem;font-weight:600;margin:1rem 0 .35rem}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.6rem .7rem;
border:1px solid #cbd2d9;border-radius:8px;font-size:1rem}
.hint{font-size:.8rem;color:#7b8794;margin-top:.3rem}
.error{background:#fde8e8;color:#9b1c1c;border-radius:8px;padding:.6rem .8rem;font-size:.9rem;
margin-bottom:1rem}
.actions{display:flex;flex-direction:row-reverse;gap:.75rem;margin-top:1.5rem}
button{flex:1;padding:.7rem;border-radius:8px;border:0;font-size:1rem;cursor:pointer}
button.primary{background:#1f6feb;color:#fff}button.secondary{background:#e4e7eb;color:#1f2933}
ul.claims{list-style:none;padding:0;margin:0}ul.claims li{padding:.45rem 0;border-bottom:1px solid #eef1f4}
.badge{font-size:.7rem;background:#eef2ff;color:#3730a3;border-radius:6px;padding:.1rem .4rem;
margin-left:.4rem}
footer{text-align:center;font-size:.75rem;color:#9aa5b1;margin-top:1rem}
"""


_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "login.title": "Log in",
        "login.h1": "Log in with your national ID",
        "login.sub": "{client} asks you to authenticate.",
        "login.id": "UIN or VID",
        "login.otp": "One-time password",
        "login.hint": "The emulator accepts the OTP {otp}.",
        "login.submit": "Verify",
        "cancel": "Cancel",
        "consent.title": "Consent",
        "consent.h1": "Share your information",
        "consent.sub": "{client} wants to read the following from your national ID.",
        "consent.required": "required",
        "consent.submit": "Allow",
        "error.title": "Error",
        "error.h1": "Something went wrong",
        "error.sub": "The application that sent you here made an invalid request.",
        "footer": "MOSIP e-Signet emulator — test identities only",
    },
    "fr": {
        "login.title": "Connexion",
        "login.h1": "Connectez-vous avec votre identifiant national",
        "login.sub": "{client} vous demande de vous authentifier.",
        "login.id": "UIN ou VID",
        "login.otp": "Mot de passe à usage unique",
        "login.hint": "L'émulateur accepte le code {otp}.",
        "login.submit": "Vérifier",
        "cancel": "Annuler",
        "consent.title": "Consentement",
        "consent.h1": "Partager vos informations",
        "consent.sub": "{client} souhaite lire les informations suivantes de votre identité nationale.",
        "consent.required": "obligatoire",
        "consent.submit": "Autoriser",
        "error.title": "Erreur",
        "error.h1": "Une erreur s'est produite",
        "error.sub": "L'application qui vous a envoyé ici a fait une requête invalide.",
        "footer": "Émulateur MOSIP e-Signet — identités de test uniquement",
    },
}

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "invalid_client_id": "Unknown client.",
        "invalid_redirect_uri": "The redirect URI is not registered for this client.",
        "invalid_transaction": "This login session is unknown or has expired. "
        "Start again from the application.",
        "invalid_request": "Invalid request.",
        "IDA-MLC-018": "UIN/VID not available in database.",
        "IDA-MLC-022": "UIN is deactivated/blocked.",
        "IDA-MLC-023": "VID is expired/deactivated.",
        "IDA-OTA-004": "OTP provided is invalid.",
        "invalid_accepted_claim": "Every required claim must be accepted.",
    },
    "fr": {
        "invalid_client_id": "Client inconnu.",
        "invalid_redirect_uri": "L'URI de redirection n'est pas enregistrée pour ce client.",
        "invalid_transaction": "Cette session de connexion est inconnue ou a expiré. "
        "Recommencez depuis l'application.",
        "invalid_request": "Requête invalide.",
        "IDA-MLC-018": "UIN/VID introuvable.",
        "IDA-MLC-022": "L'UIN est désactivé ou bloqué.",
        "IDA-MLC-023": "Le VID a expiré ou est désactivé.",
        "IDA-OTA-004": "Le code à usage unique est invalide.",
        "invalid_accepted_claim": "Toutes les informations obligatoires doivent être acceptées.",
    },
}

CLAIM_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "name": "Full name",
        "given_name": "Given name",
        "middle_name": "Middle name",
        "family_name": "Family name",
        "address": "Address",
        "gender": "Gender",
        "birthdate": "Date of birth",
        "picture": "Photo",
        "email": "Email address",
        "phone_number": "Phone number",
        "individual_id": "Individual ID (UIN/VID)",
        "phone_number_verified": "Phone number verified",
        "registration_type": "Registration type",
        "updated_at": "Last updated",
    },
    "fr": {
        "name": "Nom complet",
        "given_name": "Prénom",
        "middle_name": "Deuxième prénom",
        "family_name": "Nom de famille",
        "address": "Adresse",
        "gender": "Genre",
        "birthdate": "Date de naissance",
        "picture": "Photo",
        "email": "Adresse électronique",
        "phone_number": "Numéro de téléphone",
        "individual_id": "Identifiant (UIN/VID)",
        "phone_number_verified": "Numéro de téléphone vérifié",
        "registration_type": "Type d'enregistrement",
        "updated_at": "Dernière mise à jour",
    },
}


def _t(lang: str, key: str, **kwargs: str) -> str:
    table = _TEXT.get(lang, _TEXT["en"])
    return escape(table.get(key, _TEXT["en"][key]).format(**kwargs))


def message(lang: str, code: str) -> str:
    return MESSAGES.get(lang, MESSAGES["en"]).get(code) or MESSAGES["en"].get(code, code)


def _page(title: str, step: str, body: str, error: str, lang: str) -> str:
    return (
        f'<!doctype html><html lang="{escape(lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{title} · e-Signet</title><style>{_STYLE}</style></head>"
        f'<body><main data-step="{escape(step)}" data-error="{escape(error)}">{body}</main>'
        f"<footer>{_t(lang, 'footer')}</footer></body></html>"
    )


def _error_box(code: str, lang: str) -> str:
    if not code:
        return ""
    return f'<div class="error" role="alert" data-error="{escape(code)}">{escape(message(lang, code))}</div>'


def login_page(
    transaction_id: str,
    client_name: str,
    error: str = "",
    individual_id: str = "",
    lang: str = "en",
    otp_hint: str = "111111",
) -> str:
    body = (
        f"<h1>{_t(lang, 'login.h1')}</h1>"
        f'<p class="sub">{_t(lang, "login.sub", client=client_name)}</p>'
        f"{_error_box(error, lang)}"
        '<form method="post" action="/authorize/login">'
        f'<input type="hidden" name="transaction_id" value="{escape(transaction_id)}">'
        f'<label for="individual_id">{_t(lang, "login.id")}</label>'
        f'<input type="text" id="individual_id" name="individual_id" value="{escape(individual_id)}"'
        ' autocomplete="off" inputmode="numeric" required>'
        f'<label for="otp">{_t(lang, "login.otp")}</label>'
        '<input type="password" id="otp" name="otp" autocomplete="one-time-code"'
        ' inputmode="numeric" required>'
        f'<div class="hint">{_t(lang, "login.hint", otp=otp_hint)}</div>'
        '<div class="actions">'
        '<button class="primary" type="submit" name="action" value="login">'
        f"{_t(lang, 'login.submit')}</button>"
        '<button class="secondary" type="submit" name="action" value="cancel" formnovalidate>'
        f"{_t(lang, 'cancel')}</button>"
        "</div></form>"
    )
    return _page(_t(lang, "login.title"), "login", body, error, lang)


def consent_page(
    transaction_id: str,
    client_name: str,
    claims: dict[str, bool],
    error: str = "",
    lang: str = "en",
) -> str:
    labels = CLAIM_LABELS.get(lang, CLAIM_LABELS["en"])
    items = []
    for name, essential in claims.items():
        label = escape(labels.get(name, name))
        if essential:
            items.append(
                f'<li data-claim="{escape(name)}" data-essential="true">'
                f'<input type="hidden" name="accepted_claims" value="{escape(name)}">'
                f'<input type="checkbox" checked disabled> {label}'
                f'<span class="badge">{_t(lang, "consent.required")}</span></li>'
            )
        else:
            items.append(
                f'<li data-claim="{escape(name)}" data-essential="false"><label style="display:inline;'
                f'font-weight:400"><input type="checkbox" name="accepted_claims" value="{escape(name)}"'
                f" checked> {label}</label></li>"
            )
    body = (
        f"<h1>{_t(lang, 'consent.h1')}</h1>"
        f'<p class="sub">{_t(lang, "consent.sub", client=client_name)}</p>'
        f"{_error_box(error, lang)}"
        '<form method="post" action="/authorize/consent">'
        f'<input type="hidden" name="transaction_id" value="{escape(transaction_id)}">'
        '<input type="hidden" name="consent_form" value="1">'
        f'<ul class="claims">{"".join(items)}</ul>'
        '<div class="actions">'
        '<button class="primary" type="submit" name="action" value="accept">'
        f"{_t(lang, 'consent.submit')}</button>"
        f'<button class="secondary" type="submit" name="action" value="cancel">{_t(lang, "cancel")}</button>'
        "</div></form>"
    )
    return _page(_t(lang, "consent.title"), "consent", body, error, lang)


def error_page(code: str, lang: str = "en") -> str:
    body = (
        f'<h1>{_t(lang, "error.h1")}</h1><p class="sub">{_t(lang, "error.sub")}</p>{_error_box(code, lang)}'
    )
    return _page(_t(lang, "error.title"), "error", body, code, lang)
