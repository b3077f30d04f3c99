"""The small HTML pages of the emulated e-Signet login (no JavaScript, no external assets).

Every page carries machine-readable markers so that a test or a CLI can drive it without a
browser: ``<main data-step="login|consent|error" data-error="<code>">`` and the hidden
``transaction_id`` input.
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
.actions{display:flex;gap:.75rem;margin-top:1.5rem}
button{flex:1;padding:.7rem;border-radius:8px;border:0;font-size:1rem;cursor:pointer}
button.primary{background:#1f6feb;color:#fff}button.secondary{background:#e4e7eb;color:#1f2933}
ul.claims{list-style:none;padding:0;margin:0}ul.claims li{padding:.45rem 0;border-bottom:1px solid #eef1f4}
.badge{font-size:.7rem;background:#eef2ff;color:#3730a3;border-radius:6px;padding:.1rem .4rem;
margin-left:.4rem}
footer{text-align:center;font-size:.75rem;color:#9aa5b1;margin-top:1rem}
"""


def _page(title: str, step: str, body: str, error: str = "", lang: str = "en") -> str:
    return (
        f'<!doctype html><html lang="{escape(lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)} · e-Signet (emulator)</title><style>{_STYLE}</style></head>"
        f'<body><main data-step="{escape(step)}" data-error="{escape(error)}">{body}</main>'
        f"<footer>MOSIP e-Signet emulator — test identities only</footer></body></html>"
    )


def _error_box(code: str, message: str) -> str:
    if not code:
        return ""
    return f'<div class="error" role="alert" data-error="{escape(code)}">{escape(message or code)}</div>'


def login_page(
    transaction_id: str,
    client_name: str,
    error: str = "",
    message: str = "",
    individual_id: str = "",
    lang: str = "en",
) -> str:
    body = (
        "<h1>Log in with your national ID</h1>"
        f'<p class="sub">{escape(client_name)} asks you to authenticate.</p>'
        f"{_error_box(error, message)}"
        '<form method="post" action="/authorize/login">'
        f'<input type="hidden" name="transaction_id" value="{escape(transaction_id)}">'
        '<label for="individual_id">UIN or VID</label>'
        f'<input type="text" id="individual_id" name="individual_id" value="{escape(individual_id)}"'
        ' autocomplete="off" inputmode="numeric" required>'
        '<label for="otp">One-time password</label>'
        '<input type="password" id="otp" name="otp" autocomplete="one-time-code"'
        ' inputmode="numeric" required>'
        '<div class="hint">The emulator accepts the OTP 111111.</div>'
        '<div class="actions">'
        '<button class="secondary" type="submit" name="action" value="cancel" formnovalidate>Cancel</button>'
        '<button class="primary" type="submit" name="action" value="login">Verify</button>'
        "</div></form>"
    )
    return _page("Log in", "login", body, error, lang)


def consent_page(
    transaction_id: str,
    client_name: str,
    claims: dict[str, bool],
    labels: dict[str, str],
    error: str = "",
    message: str = "",
    lang: str = "en",
) -> str:
    items = []
    for name, essential in claims.items():
        label = escape(labels.get(name, name))
        if essential:
            items.append(
                f'<li data-claim="{escape(name)}" data-essential="true">'
                f'<input type="hidden" name="accepted_claims" value="{escape(name)}">'
                f'<input type="checkbox" checked disabled> {label}<span class="badge">required</span></li>'
            )
        else:
            items.append(
                f'<li data-claim="{escape(name)}" data-essential="false"><label style="display:inline;'
                f'font-weight:400"><input type="checkbox" name="accepted_claims" value="{escape(name)}"'
                f" checked> {label}</label></li>"
            )
    body = (
        "<h1>Share your information</h1>"
        f'<p class="sub">{escape(client_name)} wants to read the following from your national ID.</p>'
        f"{_error_box(error, message)}"
        '<form method="post" action="/authorize/consent">'
        f'<input type="hidden" name="transaction_id" value="{escape(transaction_id)}">'
        '<input type="hidden" name="consent_form" value="1">'
        f'<ul class="claims">{"".join(items)}</ul>'
        '<div class="actions">'
        '<button class="secondary" type="submit" name="action" value="cancel">Cancel</button>'
        '<button class="primary" type="submit" name="action" value="accept">Allow</button>'
        "</div></form>"
    )
    return _page("Consent", "consent", body, error, lang)


def error_page(code: str, message: str) -> str:
    body = (
        "<h1>Something went wrong</h1>"
        '<p class="sub">The application that sent you here made an invalid request.</p>'
        f"{_error_box(code, message)}"
    )
    return _page("Error", "error", body, code)
