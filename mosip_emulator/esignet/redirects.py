"""Redirect-URI rules of e-Signet: which URIs are valid, and when a requested one matches.

e-Signet (mosip/esignet ``esignet-core/.../util/IdentityProviderUtil.java`` ``validateRedirectURI``
and ``matchUri``) accepts a requested redirect URI when, for one registered URI, both are valid
URLs (Apache commons ``UrlValidator`` with all schemes and local hosts allowed, the same check as
``validator/RedirectURLValidator.java``) and the registered URI, read as a Spring
``AntPathMatcher`` pattern with ``/`` as separator, matches the requested one. So
``https://rp.example/cb/*`` matches ``https://rp.example/cb/x?state=1``; there is no RFC 8252
"any port on loopback" rule, and a ``*`` cannot stand for a port (``http://127.0.0.1:*/cb`` is
not a valid URL). A native client must therefore register (and listen on) a fixed port.

``is_valid_url`` follows ``UrlValidator`` closely enough for redirect URIs (scheme, authority with
host = IPv4 / [IPv6] / host name, numeric port, path characters); it accepts any alphabetic
top-level domain where commons-validator checks the IANA list.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

_URL_RE = re.compile(r"^(([^:/?#]+):)?(//([^/?#]*))?([^?#]*)(\?([^#]*))?(#(.*))?$", re.DOTALL)
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+\-.]*$")
_AUTHORITY_RE = re.compile(
    r"^(?:\[([0-9A-Fa-f:.]+)\]|(?:[A-Za-z0-9\-._~!$&'()*+,;=:%]*@)?([A-Za-z0-9\-.]*))(?::(\d*))?(.*)$"
)
_LABEL_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?$")
_PATH_RE = re.compile(r"^(/[-\w:@&?=+,.!/~*'%$;()]*)?$")
_QUERY_RE = re.compile(r"^\S*$")
MAX_URI_LENGTH = 2048


def _valid_host(host: str) -> bool:
    if not host:
        return False
    try:
        ipaddress.IPv4Address(host)
        return True
    except ValueError:
        pass
    if re.fullmatch(r"[0-9.]+", host):
        return False  # looks like an IPv4 address but is not one
    labels = host.rstrip(".").split(".")
    if not all(_LABEL_RE.match(label) for label in labels):
        return False
    return len(labels) == 1 or labels[-1].isalpha()  # local host name, or a domain with a TLD


def is_valid_url(uri: str) -> bool:
    """Whether e-Signet's ``RedirectURLValidator`` (commons ``UrlValidator``) accepts ``uri``."""
    if not isinstance(uri, str) or not uri or len(uri) > MAX_URI_LENGTH:
        return False
    match = _URL_RE.match(uri)
    if not match:
        return False
    scheme, authority, path, query = match.group(2), match.group(4), match.group(5), match.group(7)
    if not scheme or not _SCHEME_RE.match(scheme):
        return False
    if scheme.lower() == "file":
        return bool(path)
    if authority is None:
        return False
    auth = _AUTHORITY_RE.match(authority)
    if not auth:
        return False
    ipv6, host, port, extra = auth.group(1), auth.group(2), auth.group(3), auth.group(4)
    if ipv6 is not None:
        try:
            ipaddress.IPv6Address(ipv6)
        except ValueError:
            return False
    elif not _valid_host(host or ""):
        return False
    if port and int(port) > 65535:
        return False
    if extra and extra.strip():
        return False
    if path and (not _PATH_RE.match(path) or "//" in path or "/../" in path + "/"):
        return False
    return query is None or bool(_QUERY_RE.match(query))


@lru_cache(maxsize=256)
def _segment_regex(pattern: str) -> re.Pattern[str]:
    """One AntPathMatcher segment: ``*`` any run, ``?`` one character, ``{name}`` any run."""
    out = []
    for token in re.split(r"(\*|\?|\{[^/{}]*\})", pattern):
        if token == "*":
            out.append(".*")
        elif token == "?":
            out.append(".")
        elif token.startswith("{") and token.endswith("}") and len(token) > 1:
            _name, _, regex = token[1:-1].partition(":")
            out.append(f"({regex})" if regex else "(.*)")
        else:
            out.append(re.escape(token))
    return re.compile("".join(out), re.DOTALL)


def _match_segment(pattern: str, segment: str) -> bool:
    try:
        return _segment_regex(pattern).fullmatch(segment) is not None
    except re.error:
        return False


def ant_match(pattern: str, path: str) -> bool:
    """Spring ``AntPathMatcher.match`` with ``/`` as separator (empty segments ignored)."""
    if path.startswith("/") != pattern.startswith("/"):
        return False
    pat = [t for t in pattern.split("/") if t]
    segs = [t for t in path.split("/") if t]

    def rest_is_globstar(i: int) -> bool:
        return all(t == "**" for t in pat[i:])

    def match(pi: int, si: int) -> bool:
        while pi < len(pat) and si < len(segs):
            if pat[pi] == "**":
                return any(match(pi + 1, k) for k in range(si, len(segs) + 1))
            if not _match_segment(pat[pi], segs[si]):
                return False
            pi += 1
            si += 1
        if si == len(segs):
            if pi == len(pat):
                return pattern.endswith("/") == path.endswith("/")
            if pi == len(pat) - 1 and pat[pi] == "*" and path.endswith("/"):
                return True
            return rest_is_globstar(pi)
        return False  # pattern used up, path left over

    return match(0, 0)


def redirect_uri_matches(registered: str, requested: str) -> bool:
    """e-Signet's ``IdentityProviderUtil.matchUri``: both valid URLs and an Ant-pattern match."""
    return is_valid_url(registered) and is_valid_url(requested) and ant_match(registered, requested)
