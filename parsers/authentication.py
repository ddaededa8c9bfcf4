"""Who really sent a message: the From address proven by a receiving server we trust, or not.

Anyone can write any From header. What a council's mail servers found when the message arrived
is written in ``Authentication-Results`` (RFC 8601): DMARC, DKIM and SPF results, and Microsoft
365's composite ``compauth``. A sender can write that header too, so only the headers of the
receiving servers named in the configuration are believed (``security.trusted_authserv_ids``),
and of those only the topmost one: a receiving server adds its header above everything the
sender wrote. Microsoft 365 writes its header without the authserv-id RFC 8601 asks for; the
pseudo-id ``exchange-online`` trusts that header when it is the topmost one.

Mail sent inside a Microsoft 365 tenant is not checked by DMARC at all; Exchange marks it
``X-MS-Exchange-Organization-AuthAs: Internal`` and removes that header from mail arriving from
outside, so it is believed when ``trust_exchange_internal`` is set.

Pure functions over the parsed envelope: no DNS, no clock.
"""

from __future__ import annotations

import re

import authres

from .types import Envelope, ParseRules, SenderCheck

EXCHANGE_ONLINE = "exchange-online"
# The one problem that still lets a message carry a response ("on behalf of" delegates), never a
# decision: the service tells it from the others by this value.
SENDER_DIFFERS = "the Sender header names someone other than the From address"
_ADDRESS_IN_NAME = re.compile(r"(?<![^\s<>\"'@])[^\s<>\"'@]+@[^\s<>\"'@]+\.[^\s<>\"'@]+")


def sender_problem(env: Envelope) -> str | None:
    """Why the headers do not name one sender, or None: mail that cannot say who it is from is
    never obeyed, whatever its authentication says."""
    if env.from_count == 0 or not env.from_addr or "@" not in env.from_addr:
        return "the From header holds no valid address"
    if env.from_count > 1:
        return f"the From header holds {env.from_count} addresses"
    shown = _ADDRESS_IN_NAME.search(env.from_name or "")
    if shown and shown.group().lower().strip(".,;") != env.from_addr:
        # "iro@council.gov.uk <eve@elsewhere.example>": the reader sees an address that is not
        # the one the mail is from.
        return "the From display name shows another address than the one the mail is from"
    if env.sender_addr and env.sender_addr != env.from_addr:
        return SENDER_DIFFERS
    return None


def _domain(address: str | None) -> str:
    return (address or "").rsplit("@", 1)[-1].strip().lower().rstrip(".")


def _aligned(domain: str, from_domain: str) -> bool:
    """Relaxed alignment (RFC 7489 §3.1): the same domain or one a subdomain of the other.
    Without the public-suffix list this is the organisational-domain test for council domains
    (``luton.gov.uk`` and ``mail.luton.gov.uk``), never for a bare public suffix."""
    if not domain or not from_domain:
        return False
    if domain == from_domain:
        return True
    shorter, longer = sorted((domain, from_domain), key=len)
    return longer.endswith("." + shorter) and shorter.count(".") >= 2


def _property(result: authres.AuthenticationResult, ptype: str, name: str) -> str | None:
    for prop in result.properties or ():
        if prop.type == ptype and prop.name == name:
            return str(prop.value)
    return None


def _trusted_header(env: Envelope, trusted: tuple[str, ...]) -> authres.AuthenticationResultsHeader | None:
    """The topmost Authentication-Results header written by a trusted server, parsed."""
    wanted = {t.lower() for t in trusted}
    for position, value in enumerate(env.authentication_results):
        if position == 0 and EXCHANGE_ONLINE in wanted and _written_by_exchange(value):
            return _parse(f"{EXCHANGE_ONLINE}; {value}")
        parsed = _parse(value)
        if parsed is not None and (parsed.authserv_id or "").lower() in wanted:
            return parsed
    return None


def _written_by_exchange(value: str) -> bool:
    # Microsoft's header starts straight with a result ("spf=pass (sender IP is ...)").
    return bool(re.match(r"\s*(?:spf|dkim|dmarc|arc|compauth)\s*=", value, re.IGNORECASE))


def _parse(value: str) -> authres.AuthenticationResultsHeader | None:
    try:
        return authres.AuthenticationResultsHeader.parse("Authentication-Results: " + " ".join(value.split()))
    except Exception:  # noqa: BLE001 - a malformed header proves nothing; it is not an error
        return None


def check_sender(env: Envelope, rules: ParseRules) -> SenderCheck:
    """Whether the From domain is proven, by the configured servers and methods."""
    if not rules.trusted_authserv_ids and not rules.trust_exchange_internal:
        return SenderCheck("unchecked", "no trusted receiving server is configured")
    if rules.trust_exchange_internal and (env.exchange_auth_as or "").strip().lower() == "internal":
        return SenderCheck("pass", "sent inside the Microsoft 365 tenant")
    header = _trusted_header(env, rules.trusted_authserv_ids)
    if header is None:
        return SenderCheck("fail", "no authentication result from a trusted receiving server")
    from_domain = _domain(env.from_addr)
    accepted = set(rules.accepted_authentication)
    found: list[str] = []
    for result in header.results:
        method, verdict = str(result.method).lower(), str(result.result).lower()
        found.append(f"{method}={verdict}")
        if verdict != "pass" or method not in accepted:
            continue
        if method == "dmarc" and _aligned(_domain("@" + (_property(result, "header", "from") or "")), from_domain):
            return SenderCheck("pass", f"dmarc=pass for {from_domain}")
        if method == "compauth":
            return SenderCheck("pass", "compauth=pass")
        if method == "dkim" and _aligned(_domain("@" + (_property(result, "header", "d") or "")), from_domain):
            return SenderCheck("pass", f"dkim=pass aligned with {from_domain}")
        if method == "spf" and _aligned(_domain(_property(result, "smtp", "mailfrom")), from_domain):
            return SenderCheck("pass", f"spf=pass aligned with {from_domain}")
    server = header.authserv_id or EXCHANGE_ONLINE
    return SenderCheck("fail", f"{server}: {', '.join(found) or 'no results'}")
