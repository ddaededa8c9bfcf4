"""OAuth 2.0 access tokens for the shared mailbox and the outbox (issue 11): Exchange Online, where
password login for IMAP and SMTP is off.

App-only (client credentials grant): mailbot is a registered application, not a person, so no one
signs in interactively and no refresh token exists; a new access token is simply asked for before
the old one runs out. ``TokenSource.token()`` gives a token good for a while yet, renewing it
``renew_minutes_before_expiry`` before it expires (or half-way through a short-lived one);
``invalidate(token)`` drops a token a server refused, so the next call fetches a fresh one.

Two ways to fetch: ``provider: microsoft`` through MSAL (Microsoft's own library: it knows Entra
ID's endpoints, national clouds and certificate credentials, and its errors carry AADSTS codes),
and ``provider: token_endpoint``, a plain RFC 6749 client-credentials POST to any issuer.

Failures become ``TokenUnavailable`` with one line saying what to do: ``permanent`` when only a
person can fix it (a wrong tenant, an expired secret, consent not granted), not when the service is
merely unreachable. Secrets never reach a log line or an error message.

This is shell code: it reads the clock (injectable) and the network.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from .config import MICROSOFT_AUTHORITY, OAuthConfig

log = logging.getLogger("mailbot.oauth")

# The roles an Exchange Online app-only token must carry for each use; a token without them is
# what Entra issues when the permission was added but admin consent was never granted.
IMAP_ROLE = "IMAP.AccessAsApp"
SMTP_ROLE = "SMTP.SendAsApp"

# Entra ID's AADSTS codes for the mistakes administrators make, each with what to do about it.
# https://learn.microsoft.com/entra/identity-platform/reference-error-codes
_AADSTS_ADVICE = {
    90002: "tenant {tenant} not found: set auth.tenant to the Directory (tenant) ID on the app "
           "registration's Overview page",
    900023: "tenant {tenant} is not a valid tenant ID or domain: use the Directory (tenant) ID on the "
            "app registration's Overview page",
    700016: "application {client_id} not found in tenant {tenant}: check auth.client_id (the "
            "Application (client) ID) and that the app is registered in this tenant",
    7000215: "the client secret was refused: put the secret's Value (not its Secret ID) in {secret_place}",
    7000222: "the client secret has expired: add a new one under Certificates & secrets, put it in "
             "{secret_place}, then delete the old one",
    700027: "the certificate was refused: upload its public part (.cer) to the app registration and "
            "check auth.certificate.thumbprint",
    700024: "the certificate's signed assertion is outside its valid time: check this server's clock",
    7000112: "application {client_id} is disabled in tenant {tenant}: enable it in Enterprise applications",
    65001: "admin consent has not been granted: in API permissions, press 'Grant admin consent'",
    500011: "Exchange Online is not available in tenant {tenant} (resource principal not found): "
            "check the tenant, and that it has Exchange Online",
    70011: "the scope {scope} was refused: for Exchange Online it is https://outlook.office365.com/.default",
    1002012: "the scope {scope} was refused: for Exchange Online it is https://outlook.office365.com/.default",
}
# Codes that are not about this configuration: the service is busy or failing; try again later.
_TRANSIENT_ERRORS = {"temporarily_unavailable", "server_error"}


class TokenUnavailable(Exception):
    """No access token could be had. ``permanent``: a person must change something first."""

    def __init__(self, message: str, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class AccessToken:
    value: str
    expires_at: float  # seconds since the epoch, by this machine's clock
    renew_at: float
    roles: tuple[str, ...] | None  # from the token's claims when it is a JWT; None when opaque


def token_claims(token: str) -> dict | None:
    """The claims of a JWT access token, read without checking its signature: mailbot is not the
    token's audience and does not validate it; it only reads which roles it was given."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (ValueError, UnicodeDecodeError):
        return None
    return claims if isinstance(claims, dict) else None


def resolve(path: str, base_dir: Path) -> Path:
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else base_dir / candidate


class TokenSource:
    """Hands out a current access token for one mailbox or outbox, fetching a new one when due."""

    def __init__(self, config: OAuthConfig, base_dir: Path, where: str,
                 clock: Callable[[], float] = time.time,
                 fetch: "Callable[[], dict] | None" = None) -> None:
        self.config = config
        self.base_dir = base_dir
        self.where = where  # "mailbox" or "outbox", for messages
        self.clock = clock
        self._fetch = fetch or (MsalFetcher(config, base_dir, where) if config.provider == "microsoft"
                                else EndpointFetcher(config, base_dir, where))
        self._current: AccessToken | None = None
        self._lock = threading.Lock()
        self.renewals = 0  # tokens fetched, for status and tests

    @property
    def current(self) -> AccessToken | None:
        return self._current

    def token(self) -> AccessToken:
        """A token not yet due for renewal; renewed first when due. If renewal fails while the
        token in hand is still valid, that token is used (the issuer may be back before it runs
        out); only when none is usable does ``TokenUnavailable`` reach the caller."""
        with self._lock:
            now = self.clock()
            held = self._current
            if held is not None and now < held.renew_at:
                return held
            try:
                self._current = self._fetch_token(now)
            except TokenUnavailable as exc:
                if held is not None and now < held.expires_at - 5:
                    log.warning("%s: could not renew the access token (%s); using the current one, valid "
                                "for %d s more", self.where, exc, held.expires_at - now)
                    # Try again a little later, not at every call, while the token lasts.
                    retry_in = max(1.0, min(30.0, (held.expires_at - now) / 4))
                    self._current = replace(held, renew_at=now + retry_in)
                    return self._current
                raise
            return self._current

    def invalidate(self, token: AccessToken) -> None:
        """The server refused ``token``: never hand it out again."""
        with self._lock:
            if self._current is not None and self._current.value == token.value:
                self._current = None

    def _fetch_token(self, now: float) -> AccessToken:
        result = self._fetch()
        if "access_token" not in result:
            raise TokenUnavailable(*describe_token_error(result, self.config, self.where))
        try:
            lifetime = float(result.get("expires_in", 3600))
        except (TypeError, ValueError):
            lifetime = 3600.0
        margin = min(self.config.renew_minutes_before_expiry * 60, lifetime / 2)
        claims = token_claims(result["access_token"])
        roles = tuple(claims.get("roles") or ()) if claims is not None else None
        self.renewals += 1
        log.info("%s: new access token, valid for %d s", self.where, lifetime)
        return AccessToken(result["access_token"], now + lifetime, now + lifetime - margin, roles)


def describe_token_error(result: dict, config: OAuthConfig, where: str) -> tuple[str, bool]:
    """One line for a token service's refusal, saying what to do; and whether it is permanent."""
    codes = result.get("error_codes") or []
    error = str(result.get("error") or "error")
    description = str(result.get("error_description") or "").strip().splitlines()
    first = description[0] if description else ""
    if not codes and first.startswith("AADSTS"):
        number = first[6:].split(":", 1)[0]
        codes = [int(number)] if number.isdigit() else []
    secret_place = (f"the environment variable {config.client_secret_env}" if config.client_secret_env
                    else f"the file {config.client_secret_file}" if config.client_secret_file
                    else "auth.certificate")
    for code in codes:
        advice = _AADSTS_ADVICE.get(int(code)) if str(code).isdigit() else None
        if advice:
            return (f"{where}.auth: " + advice.format(tenant=config.tenant, client_id=config.client_id,
                                                     secret_place=secret_place, scope=config.effective_scope)
                    + f" (AADSTS{code})", True)
    if result.get("_transient") or error in _TRANSIENT_ERRORS:
        return f"{where}.auth: the token service is unavailable: {first or error}; trying again later", False
    return f"{where}.auth: the token service refused: {error}" + (f": {first}" if first else ""), True


def missing_role(token: AccessToken, role: str, config: OAuthConfig, where: str) -> str | None:
    """Why Exchange will refuse ``token`` before it is tried: an Entra token without the role
    is what an app gets whose permission was never given admin consent."""
    if config.provider != "microsoft" or token.roles is None or role in token.roles:
        return None
    return (f"{where}.auth: the access token lacks the {role} role: in the app registration's API "
            f"permissions add Office 365 Exchange Online > Application permissions > {role}, then press "
            "'Grant admin consent'")


def refused_advice(server: "object", where: str, reply: str) -> str:
    """One line for a mail server that refused a fresh token (``server`` is the mailbox or
    outbox configuration), naming the Exchange Online step that is missing."""
    reply = " ".join(str(reply).split())[:200]
    user = getattr(server, "username", None)
    auth = getattr(server, "auth", None)
    if auth is None or auth.provider != "microsoft":
        return f"{where}: the server refused the access token for {user}: {reply}"
    if where == "outbox":
        if "5.7.139" in reply and "disabled" in reply.lower():
            return (f"outbox: SMTP AUTH is disabled for {user}: run Set-CASMailbox -Identity {user} "
                    f"-SmtpClientAuthenticationDisabled $false (Exchange: {reply})")
        return (f"outbox: Exchange refused the token for {user} ({reply}): give the app's Exchange service "
                f"principal send-as on the mailbox (Add-RecipientPermission {user} -AccessRights SendAs "
                "-Trustee <service principal ID>); a new permission can take 30 minutes to apply")
    return (f"mailbox: Exchange refused the token for {user} ({reply}): register the app's Exchange "
            "service principal (New-ServicePrincipal) and give it FullAccess on this mailbox "
            f"(Add-MailboxPermission -Identity {user} -User <service principal ID> -AccessRights FullAccess); "
            "a new permission can take 30 minutes to apply")


# ---------------------------------------------------------------------------- fetchers


def _read_secret(config: OAuthConfig, base_dir: Path, where: str) -> str:
    if config.client_secret_env:
        value = os.environ.get(config.client_secret_env)
        if not value:
            raise TokenUnavailable(f"{where}.auth.client_secret_env: the environment variable "
                                   f"{config.client_secret_env} is not set", True)
        return value.strip()
    path = resolve(config.client_secret_file or "", base_dir)
    try:
        value = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise TokenUnavailable(f"{where}.auth.client_secret_file: cannot read {path}: "
                               f"{exc.strerror or type(exc).__name__}", True) from None
    if not value:
        raise TokenUnavailable(f"{where}.auth.client_secret_file: {path} is empty", True)
    return value


def _tls_context(config: OAuthConfig, base_dir: Path) -> ssl.SSLContext:
    cafile = str(resolve(config.ca_file, base_dir)) if config.ca_file else None
    context = ssl.create_default_context(cafile=cafile)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class EndpointFetcher:
    """RFC 6749 §4.4 client credentials at a token URL, the secret sent in the body."""

    def __init__(self, config: OAuthConfig, base_dir: Path, where: str, timeout: float = 30) -> None:
        self.config, self.base_dir, self.where, self.timeout = config, base_dir, where, timeout

    def __call__(self) -> dict:
        body = urllib.parse.urlencode({
            "grant_type": "client_credentials", "client_id": self.config.client_id,
            "client_secret": _read_secret(self.config, self.base_dir, self.where),
            "scope": self.config.effective_scope,
        }).encode()
        request = urllib.request.Request(self.config.token_url or "", data=body, method="POST",
                                         headers={"Content-Type": "application/x-www-form-urlencoded",
                                                  "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout,
                                        context=_tls_context(self.config, self.base_dir)) as response:
                return _json_body(response.read())
        except urllib.error.HTTPError as exc:
            result = _json_body(exc.read())
            if exc.code >= 500 or exc.code == 429:
                result["_transient"] = True
            result.setdefault("error", f"HTTP {exc.code}")
            return result
        except (urllib.error.URLError, OSError, ssl.SSLError) as exc:
            reason = getattr(exc, "reason", exc)
            raise TokenUnavailable(f"{self.where}.auth: cannot reach the token service "
                                   f"{self.config.token_url}: {reason}; trying again later", False) from None


def _json_body(raw: bytes) -> dict:
    try:
        value = json.loads(raw.decode("utf-8", "replace"))
    except ValueError:
        return {"error": "the token service answered something that is not JSON"}
    return value if isinstance(value, dict) else {"error": "unexpected answer from the token service"}


class MsalFetcher:
    """Entra ID through MSAL's ConfidentialClientApplication.

    The application object is built on first use (building it asks the authority for its
    endpoints, which fails while Entra is unreachable) and again when the secret or certificate on
    disk changes. MSAL keeps its own token cache; it is emptied before each fetch, because
    ``TokenSource`` decides when a token is renewed or no longer trusted."""

    def __init__(self, config: OAuthConfig, base_dir: Path, where: str, timeout: float = 30) -> None:
        self.config, self.base_dir, self.where, self.timeout = config, base_dir, where, timeout
        self._app = None
        self._credential_key: str | None = None

    def _credential(self) -> object:
        cert = self.config.certificate
        if cert is None:
            return _read_secret(self.config, self.base_dir, self.where)
        path = resolve(cert.path, self.base_dir)
        try:
            pem = path.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise TokenUnavailable(f"{self.where}.auth.certificate.path: cannot read {path}: "
                                   f"{getattr(exc, 'strerror', None) or type(exc).__name__}", True) from None
        if "PRIVATE KEY-----" not in pem:
            raise TokenUnavailable(f"{self.where}.auth.certificate.path: {path} holds no private key "
                                   "(PEM 'BEGIN PRIVATE KEY'); give the key the certificate was made with", True)
        credential = {"private_key": pem, "thumbprint": cert.thumbprint}
        if "BEGIN CERTIFICATE" in pem:
            credential["public_certificate"] = pem
        return credential

    def _application(self):
        import msal  # imported here: only deployments using Entra ID pay for it
        import requests

        credential = self._credential()
        key = json.dumps(credential, sort_keys=True)
        if self._app is not None and key == self._credential_key:
            return self._app
        known_host = self.config.authority.rstrip("/") == MICROSOFT_AUTHORITY
        session = _session_trusting(str(resolve(self.config.ca_file, self.base_dir)) if self.config.ca_file else None)
        authority_url = f"{self.config.authority.rstrip('/')}/{self.config.tenant}"
        try:
            app = msal.ConfidentialClientApplication(
                self.config.client_id, client_credential=credential,
                authority=authority_url,
                # Another host is a national cloud or a stand-in an administrator chose on
                # purpose; Microsoft's instance discovery would not know it.
                validate_authority=known_host, instance_discovery=None if known_host else False,
                http_client=session, timeout=self.timeout, token_cache=msal.TokenCache())
        except ValueError as exc:
            # MSAL says only "Unable to get authority configuration for URL"; the answer itself
            # says why (Entra answers an unknown tenant with AADSTS90002), so it is asked again.
            answer = _discovery_answer(session, authority_url, self.timeout)
            if answer is not None:
                raise TokenUnavailable(*describe_token_error(answer, self.config, self.where)) from None
            raise TokenUnavailable(f"{self.where}.auth: the authority {self.config.authority} did not answer as "
                                   f"Entra ID does: {str(exc).splitlines()[0][:200]}", True) from None
        except requests.exceptions.RequestException as exc:
            raise _unreachable(self.config, self.where, exc) from None
        self._app, self._credential_key = app, key
        return app

    def __call__(self) -> dict:
        import requests

        app = self._application()
        cache = app.token_cache
        for entry in list(cache.search(cache.CredentialType.ACCESS_TOKEN)):
            cache.remove_at(entry)
        try:
            result = app.acquire_token_for_client(scopes=[self.config.effective_scope])
        except requests.exceptions.RequestException as exc:
            raise _unreachable(self.config, self.where, exc) from None
        if result is None:
            return {"error": "no answer from the token service", "_transient": True}
        return result


def _discovery_answer(session, authority_url: str, timeout: float) -> dict | None:
    """The error the authority's OpenID configuration endpoint gives, as JSON; None if it gives
    none (or cannot be reached)."""
    try:
        response = session.get(f"{authority_url}/v2.0/.well-known/openid-configuration", timeout=timeout)
    except Exception:  # noqa: BLE001 - any failure here only means no better explanation
        return None
    if response.status_code < 400:
        return None
    answer = _json_body(response.content)
    return answer if answer.get("error") and answer.get("error") != "the token service answered something that is not JSON" else None


def _session_trusting(ca_file: str | None):
    """A requests session for MSAL that trusts ``ca_file`` when one is configured. A plain
    ``session.verify`` is not enough: with REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE set in the
    environment, requests lets the variable win over the session's own setting, so the configured
    bundle is pinned where requests merges the environment in (proxies from it still apply)."""
    import requests

    class PinnedSession(requests.Session):
        def merge_environment_settings(self, url, proxies, stream, verify, cert):
            settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
            if ca_file:
                settings["verify"] = ca_file
            return settings

    return PinnedSession()


def _unreachable(config: OAuthConfig, where: str, exc: Exception) -> TokenUnavailable:
    kind = type(exc).__name__
    detail = "certificate not trusted (see auth.ca_file)" if "SSL" in kind or "CERTIFICATE" in str(exc).upper() else kind
    return TokenUnavailable(f"{where}.auth: cannot reach the token service at {config.authority}: {detail}; "
                            "trying again later", False)
