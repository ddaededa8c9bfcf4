"""OAuth 2.0 for the mailbox and outbox (issue 11), without servers: when a token is renewed, what
each administrator's mistake says, and what the configuration accepts.

The fetch step is replaced here by a function returning what a token service returns (a dict, as
MSAL gives it): this file tests the decisions around it. The fetchers themselves, MSAL and the
plain token endpoint, are tested against a real local issuer, Dovecot and Postfix in
tests/test_oauth_real.py.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import yaml

from mailbot.config import config_from_data
from mailbot.errors import ConfigError
from mailbot.oauth import (
    IMAP_ROLE,
    SMTP_ROLE,
    TokenSource,
    TokenUnavailable,
    describe_token_error,
    missing_role,
    refused_advice,
    token_claims,
)
from mailbot.config import OAuthConfig


def jwt(claims: dict) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()
    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


MICROSOFT = OAuthConfig(method="oauth2", provider="microsoft", tenant="contoso-tenant-id",
                        client_id="app-id", client_secret_env="MAILBOT_OAUTH_SECRET")


class Issuer:
    """Answers as a token service would: a queue of results, each a dict or an exception."""

    def __init__(self, *results):
        self.results = list(results)
        self.calls = 0

    def __call__(self) -> dict:
        self.calls += 1
        result = self.results.pop(0)
        if isinstance(result, Exception):
            raise result
        return result


def issued(n: int, lifetime: int = 3600, roles=(IMAP_ROLE, SMTP_ROLE)) -> dict:
    return {"access_token": jwt({"roles": list(roles), "n": n}), "expires_in": lifetime, "token_type": "Bearer"}


class Clock:
    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def source(issuer: Issuer, clock: Clock, config: OAuthConfig = MICROSOFT) -> TokenSource:
    return TokenSource(config, Path("."), "mailbox", clock=clock, fetch=issuer)


def test_a_token_is_reused_until_five_minutes_before_it_expires_then_renewed() -> None:
    clock, issuer = Clock(), Issuer(issued(1), issued(2))
    tokens = source(issuer, clock)
    first = tokens.token()
    clock.now += 3600 - 301
    assert tokens.token() is first and issuer.calls == 1
    clock.now += 2  # now 299 s before expiry
    second = tokens.token()
    assert second.value != first.value and issuer.calls == 2
    assert token_claims(second.value)["n"] == 2


def test_a_short_lived_token_is_renewed_half_way() -> None:
    clock, issuer = Clock(), Issuer(issued(1, lifetime=8), issued(2, lifetime=8))
    tokens = source(issuer, clock)
    first = tokens.token()
    assert first.renew_at - clock.now == pytest.approx(4)
    clock.now += 3.9
    assert tokens.token() is first
    clock.now += 0.2
    assert tokens.token().value != first.value


def test_the_issuer_down_at_renewal_keeps_the_valid_token_and_retries_later() -> None:
    down = TokenUnavailable("mailbox.auth: cannot reach the token service", permanent=False)
    clock, issuer = Clock(), Issuer(issued(1), down, issued(2))
    tokens = source(issuer, clock)
    first = tokens.token()
    clock.now += 3600 - 200  # due for renewal, 200 s of life left
    held = tokens.token()
    assert held.value == first.value and issuer.calls == 2
    # Not asked again at every call: the next try is a little later (a quarter of what is left, at most 30 s).
    assert tokens.token().value == first.value and issuer.calls == 2
    clock.now += 31
    assert tokens.token().value != first.value and issuer.calls == 3


def test_with_no_usable_token_the_failure_reaches_the_caller() -> None:
    down = TokenUnavailable("mailbox.auth: cannot reach the token service", permanent=False)
    clock, issuer = Clock(), Issuer(issued(1, lifetime=60), down)
    tokens = source(issuer, clock)
    tokens.token()
    clock.now += 61  # expired while nobody asked
    with pytest.raises(TokenUnavailable) as caught:
        tokens.token()
    assert caught.value.permanent is False


def test_a_refused_token_is_never_handed_out_again() -> None:
    clock, issuer = Clock(), Issuer(issued(1), issued(2))
    tokens = source(issuer, clock)
    first = tokens.token()
    tokens.invalidate(first)
    assert tokens.token().value != first.value and issuer.calls == 2


def test_an_error_answer_becomes_one_permanent_line() -> None:
    answer = {"error": "invalid_client", "error_codes": [7000222],
              "error_description": "AADSTS7000222: The provided client secret keys for app 'x' are expired.\r\nTrace ID: 1"}
    tokens = source(Issuer(answer), Clock())
    with pytest.raises(TokenUnavailable) as caught:
        tokens.token()
    assert caught.value.permanent
    assert str(caught.value) == ("mailbox.auth: the client secret has expired: add a new one under Certificates "
                                 "& secrets, put it in the environment variable MAILBOT_OAUTH_SECRET, then "
                                 "delete the old one (AADSTS7000222)")


@pytest.mark.parametrize("answer, words", [
    ({"error": "invalid_request", "error_codes": [90002], "error_description": "AADSTS90002: Tenant 'x' not found."},
     ["tenant contoso-tenant-id not found", "Directory (tenant) ID"]),
    ({"error": "unauthorized_client", "error_codes": [700016], "error_description": "AADSTS700016: Application..."},
     ["application app-id not found", "Application (client) ID"]),
    ({"error": "invalid_client", "error_codes": [7000215], "error_description": "AADSTS7000215: Invalid client secret"},
     ["secret was refused", "Value (not its Secret ID)", "MAILBOT_OAUTH_SECRET"]),
    ({"error": "invalid_client", "error_description": "AADSTS700027: Client assertion failed signature validation."},
     ["certificate was refused", "thumbprint"]),
    ({"error": "invalid_grant", "error_codes": [65001], "error_description": "AADSTS65001: ...not consented"},
     ["Grant admin consent"]),
    ({"error": "invalid_scope", "error_codes": [1002012], "error_description": "AADSTS1002012: The provided value for scope"},
     ["https://outlook.office365.com/.default"]),
    ({"error": "server_error", "error_description": "AADSTS50000: There was an error issuing a token."},
     ["unavailable", "trying again later"]),
    ({"error": "access_denied", "error_description": "Something new"},
     ["refused: access_denied: Something new"]),
])
def test_each_token_service_refusal_says_what_to_do(answer, words) -> None:
    line, permanent = describe_token_error(answer, MICROSOFT, "mailbox")
    assert line.startswith("mailbox.auth: ")
    assert "\n" not in line
    for word in words:
        assert word in line
    assert permanent is ("unavailable" not in line)


def test_a_token_without_the_role_is_consent_not_granted() -> None:
    clock = Clock()
    token = source(Issuer(issued(1, roles=[SMTP_ROLE])), clock).token()
    assert missing_role(token, SMTP_ROLE, MICROSOFT, "outbox") is None
    line = missing_role(token, IMAP_ROLE, MICROSOFT, "mailbox")
    assert "lacks the IMAP.AccessAsApp role" in line and "Grant admin consent" in line
    # Another issuer's tokens need no Exchange roles.
    generic = OAuthConfig(method="oauth2", provider="token_endpoint", client_id="c", client_secret_env="S",
                          token_url="https://issuer.example/token", scope="mail")
    assert missing_role(token, IMAP_ROLE, generic, "mailbox") is None


def test_an_opaque_token_has_no_claims() -> None:
    assert token_claims("not-a-jwt") is None
    assert token_claims("a.b.c") is None


def test_a_refused_login_names_the_missing_exchange_step() -> None:
    class Box:
        username, auth = "drp@council.example", MICROSOFT

    imap = refused_advice(Box, "mailbox", "[AUTHENTICATIONFAILED] AUTHENTICATE failed.")
    assert "New-ServicePrincipal" in imap and "Add-MailboxPermission" in imap
    disabled = refused_advice(Box, "outbox", "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication "
                                             "is disabled for the Mailbox.")
    assert "Set-CASMailbox -Identity drp@council.example -SmtpClientAuthenticationDisabled $false" in disabled
    send_as = refused_advice(Box, "outbox", "535 5.7.3 Authentication unsuccessful")
    assert "Add-RecipientPermission" in send_as


# ---------------------------------------------------------------------------- configuration


def config_with(root: Path, mailbox_auth: dict | None, **mailbox) -> object:
    data = yaml.safe_load((root / "config.yaml").read_text())
    data["mailbox"] = {"url": "imaps://outlook.office365.com", "username": "drp@luton.example.gov.uk", **mailbox}
    if mailbox_auth is not None:
        data["mailbox"]["auth"] = mailbox_auth
    return config_from_data(data, base_dir=root)


def test_an_exchange_online_mailbox_configuration_is_accepted(root) -> None:
    config = config_with(root, {"method": "oauth2", "provider": "microsoft", "tenant": "contoso.onmicrosoft.com",
                                "client_id": "11111111-2222-3333-4444-555555555555",
                                "certificate": {"path": "/etc/mailbot/app.pem",
                                                "thumbprint": "AB:CD:" + "0" * 36}})
    auth = config.settings.mailbox.auth
    assert auth.certificate.thumbprint == "ABCD" + "0" * 36
    assert auth.effective_scope == "https://outlook.office365.com/.default"


@pytest.mark.parametrize("auth, extra, expected", [
    ({"method": "oauth2", "provider": "microsoft", "tenant": "t", "client_id": "c"}, {},
     "give exactly one credential"),
    ({"method": "oauth2", "provider": "microsoft", "tenant": "t", "client_id": "c", "client_secret_env": "S",
      "client_secret_file": "/etc/s"}, {}, "found client_secret_env, client_secret_file"),
    ({"method": "oauth2", "provider": "microsoft", "tenant": "t", "client_id": "c",
      "client_secret_env": "my-secret-value"}, {}, "must be the name of an environment variable"),
    ({"method": "oauth2", "provider": "microsoft", "client_id": "c", "client_secret_env": "S"}, {},
     "needs tenant"),
    ({"method": "oauth2", "provider": "token_endpoint", "client_id": "c", "client_secret_env": "S",
      "scope": "x"}, {}, "needs token_url"),
    ({"method": "oauth2", "provider": "token_endpoint", "client_id": "c", "client_secret_env": "S",
      "token_url": "http://issuer/token", "scope": "x"}, {}, "https:// token URL"),
    ({"method": "oauth2", "provider": "token_endpoint", "client_id": "c", "client_secret_env": "S",
      "token_url": "https://issuer/token"}, {}, "needs scope"),
    ({"method": "oauth2", "provider": "microsoft", "tenant": "t", "client_id": "c",
      "certificate": {"path": "/x.pem", "thumbprint": "12345"}}, {}, "40 hexadecimal digits"),
    ({"method": "oauth2", "provider": "microsoft", "tenant": "t", "client_id": "c", "client_secret_env": "S"},
     {"password_env": "P"}, "not both"),
    ({"method": "basic", "provider": "microsoft", "tenant": "t", "client_id": "c", "client_secret_env": "S"}, {},
     "mailbox.auth.method"),
    ({"method": "oauth2", "provider": "google", "tenant": "t", "client_id": "c", "client_secret_env": "S"}, {},
     "mailbox.auth.provider"),
])
def test_oauth_configuration_mistakes_are_one_clear_line(root, auth, extra, expected) -> None:
    with pytest.raises(ConfigError) as caught:
        config_with(root, auth, **extra)
    message = str(caught.value)
    assert expected in message
    assert message.startswith("mailbox")
    assert "\n" not in message


def test_a_password_mailbox_still_needs_its_password_variable(root) -> None:
    with pytest.raises(ConfigError, match="needs username and password_env"):
        config_with(root, None)
