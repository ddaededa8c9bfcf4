"""The OAuth 2.0 stand-ins work (issue 11), proven with raw clients only, no mailbot code.

`token_issuer` STANDS IN FOR MICROSOFT ENTRA ID: MSAL for Python, pointed at it with authority
validation and instance discovery off, gets app-only tokens from it with a client secret or a
certificate, and gets Entra's own error codes back for an administrator's mistakes.
`dovecot_oauth` stands in for Exchange Online's IMAP: it takes SASL XOAUTH2, checking each token
by introspection with the issuer. `postfix_oauth` stands in for Exchange's SMTP submission: AUTH
XOAUTH2 is checked by that Dovecot over its SASL port, and the mail lands in Dovecot.
"""

from __future__ import annotations

import base64
import smtplib
import socket
import time
from email.message import EmailMessage

import jwt
import msal
import pytest
import requests
from imapclient import IMAPClient
from imapclient.exceptions import LoginError
from oauth_issuer import (EXCHANGE_SCOPE, IMAP_ROLE, SMTP_ROLE, TEST_CLIENT_ID, TEST_CLIENT_SECRET, TEST_MAILBOX,
                          make_client_certificate)
from servers import EXCHANGE_SMTP_AUTH_DISABLED, SmtpServer, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _ca_bundle_from_the_environment_removed(monkeypatch):
    # requests lets $REQUESTS_CA_BUNDLE (or $CURL_CA_BUNDLE) override a Session's own `verify`,
    # so MSAL's verify=<issuer certificate> is ignored wherever those are set (as on this CI
    # machine) and the issuer's certificate is refused. These tests are about the servers.
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)


def _app(issuer, credential, client_id: str = TEST_CLIENT_ID, authority: str | None = None):
    return msal.ConfidentialClientApplication(
        client_id, client_credential=credential, authority=authority or issuer.authority,
        validate_authority=False, instance_discovery=False, verify=str(issuer.certificate.cert))


def _acquire(issuer, credential=TEST_CLIENT_SECRET, client_id: str = TEST_CLIENT_ID) -> dict:
    return _app(issuer, credential, client_id).acquire_token_for_client([EXCHANGE_SCOPE])


def _token(issuer, credential=TEST_CLIENT_SECRET, client_id: str = TEST_CLIENT_ID) -> str:
    result = _acquire(issuer, credential, client_id)
    assert "access_token" in result, result
    return result["access_token"]


def _xoauth2(user: str, token: str) -> str:
    return base64.b64encode(f"user={user}\x01auth=Bearer {token}\x01\x01".encode()).decode()


def _message(to: str, subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = TEST_MAILBOX
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = f"<{subject.replace(' ', '-')}@test.invalid>"
    message.set_content("Body.\n")
    return message


# -- the token service (Entra ID) -------------------------------------------------------------


def test_msal_gets_a_token_with_a_client_secret(token_issuer):
    result = _acquire(token_issuer)

    assert result["token_type"] == "Bearer"
    assert result["expires_in"] == 3600
    token = result["access_token"]
    # A client may read the claims without verifying, as with Entra; here they are verified too,
    # against the key published at the discovery document's jwks_uri.
    discovery = requests.get(f"{token_issuer.authority}/v2.0/.well-known/openid-configuration",
                             verify=str(token_issuer.certificate.cert), timeout=5).json()
    keys = requests.get(discovery["jwks_uri"], verify=str(token_issuer.certificate.cert), timeout=5).json()
    claims = jwt.decode(token, jwt.PyJWK(keys["keys"][0]), algorithms=["RS256"],
                        audience="https://outlook.office365.com")
    assert discovery["token_endpoint"] == token_issuer.token_endpoint
    assert claims["roles"] == [IMAP_ROLE, SMTP_ROLE]
    assert claims["appid"] == claims["azp"] == TEST_CLIENT_ID
    assert claims["tid"] == token_issuer.tenant_id
    assert claims["appidacr"] == "1"  # a secret, as Entra marks it
    assert claims["exp"] - claims["iat"] == 3600
    assert token_issuer.tokens_issued[TEST_CLIENT_ID] == 1
    assert token_issuer.outcomes() == ["issued"]


def test_a_secret_sent_with_http_basic_is_accepted(token_issuer):
    answer = requests.post(token_issuer.token_endpoint, auth=(TEST_CLIENT_ID, TEST_CLIENT_SECRET),
                           data={"grant_type": "client_credentials", "scope": EXCHANGE_SCOPE},
                           verify=str(token_issuer.certificate.cert), timeout=5)

    assert answer.status_code == 200, answer.text
    assert answer.json()["token_type"] == "Bearer"


@pytest.mark.parametrize("style", ["thumbprint (RS256)", "public certificate (PS256)"])
def test_msal_gets_a_token_with_a_certificate(token_issuer, tmp_path, style):
    cert_path, key_path, thumbprint = make_client_certificate(tmp_path)
    token_issuer.add_certificate(TEST_CLIENT_ID, cert_path)
    credential = {"private_key": key_path.read_text()}
    if style.startswith("thumbprint"):
        credential["thumbprint"] = thumbprint
    else:
        credential["public_certificate"] = cert_path.read_text()

    token = _token(token_issuer, credential)

    assert jwt.decode(token, options={"verify_signature": False})["appidacr"] == "2"  # a certificate


def test_a_certificate_not_registered_or_a_forged_assertion_is_refused(token_issuer, tmp_path):
    registered, _registered_key, registered_thumbprint = make_client_certificate(tmp_path / "registered")
    _other, other_key, other_thumbprint = make_client_certificate(tmp_path / "other")
    token_issuer.add_certificate(TEST_CLIENT_ID, registered)

    unregistered = _acquire(token_issuer, {"private_key": other_key.read_text(), "thumbprint": other_thumbprint})
    # The registered certificate's thumbprint, signed with some other key.
    forged = _acquire(token_issuer, {"private_key": other_key.read_text(), "thumbprint": registered_thumbprint})

    for result in (unregistered, forged):
        assert result["error"] == "invalid_client"
        assert result["error_codes"] == [700027]
        assert result["error_description"].startswith("AADSTS700027: ")
    assert "not registered" in unregistered["error_description"]
    assert "signature validation" in forged["error_description"]
    assert token_issuer.tokens_issued[TEST_CLIENT_ID] == 0


@pytest.mark.parametrize("mistake, error, code", [
    ("unknown application", "unauthorized_client", 700016),
    ("wrong secret", "invalid_client", 7000215),
    ("expired secret", "invalid_client", 7000222),
])
def test_entra_errors_come_back_from_msal_with_their_codes(token_issuer, mistake, error, code):
    client_id, secret = TEST_CLIENT_ID, TEST_CLIENT_SECRET
    if mistake == "unknown application":
        client_id = "00000000-0000-0000-0000-000000000000"
    elif mistake == "wrong secret":
        secret = "the-secret-id-not-its-value"
    else:
        token_issuer.expire_secret(TEST_CLIENT_ID, TEST_CLIENT_SECRET)

    result = _acquire(token_issuer, secret, client_id)

    assert "access_token" not in result
    assert result["error"] == error
    assert result["error_codes"] == [code]
    assert result["error_description"].startswith(f"AADSTS{code}: ")
    assert token_issuer.outcomes() == [f"AADSTS{code}"]


def test_a_wrong_tenant_is_refused_at_discovery_as_entra_does(token_issuer):
    wrong = token_issuer.authority.replace(token_issuer.tenant, "fabrikam-test-tenant")

    # MSAL fetches the discovery document when the application is made, and turns Entra's 400
    # into a ValueError without the code; the code is in the answer itself.
    with pytest.raises(ValueError, match="tenant name or GUID"):
        _app(token_issuer, TEST_CLIENT_SECRET, authority=wrong)
    answer = requests.get(f"{wrong}/v2.0/.well-known/openid-configuration",
                          verify=str(token_issuer.certificate.cert), timeout=5)

    assert answer.status_code == 400
    body = answer.json()
    assert body["error"] == "invalid_request"
    assert body["error_codes"] == [90002]
    assert body["error_description"].startswith("AADSTS90002: Tenant 'fabrikam-test-tenant' not found.")


def test_a_rotated_secret_works_and_the_revoked_one_does_not(token_issuer):
    token_issuer.add_secret(TEST_CLIENT_ID, "second-secret")
    token_issuer.revoke_secret(TEST_CLIENT_ID, TEST_CLIENT_SECRET)

    assert _acquire(token_issuer, TEST_CLIENT_SECRET)["error_codes"] == [7000215]
    assert _token(token_issuer, "second-secret")


def test_the_token_service_can_go_down_while_introspection_stays_up(token_issuer):
    token = _token(token_issuer)
    app = _app(token_issuer, TEST_CLIENT_SECRET)  # discovery done while the service is up
    token_issuer.stop_token_service()
    try:
        with pytest.raises(requests.exceptions.ConnectionError):  # its cache is empty: it must ask
            app.acquire_token_for_client([EXCHANGE_SCOPE])
        answer = requests.post(token_issuer.introspection_url, data={"token": token}, timeout=5).json()
    finally:
        token_issuer.start_token_service()

    assert answer["active"] is True
    assert answer["username"] == TEST_MAILBOX
    assert answer["scope"].split() == [IMAP_ROLE, SMTP_ROLE]
    assert _token(token_issuer)  # back on the same port


# -- IMAP (Dovecot as Exchange Online) ---------------------------------------------------------


def _imap(dovecot) -> IMAPClient:
    return IMAPClient(dovecot.host, port=dovecot.port, ssl=False, timeout=5)


def test_imap_xoauth2_login_opens_the_granted_mailbox(dovecot_oauth, token_issuer):
    dovecot_oauth.append("drp", "INBOX", b"Subject: waiting\r\n\r\nBody.\r\n")
    token = _token(token_issuer)

    with _imap(dovecot_oauth) as imap:
        imap.oauth2_login(TEST_MAILBOX, token)
        imap.select_folder("INBOX", readonly=True)
        assert len(imap.search("ALL")) == 1
    with _imap(dovecot_oauth) as imap:
        imap.oauthbearer_login(TEST_MAILBOX, token)  # the RFC 7628 mechanism works too
    assert token_issuer.outcomes("/introspect") == ["active", "active"]


@pytest.mark.parametrize("case", ["another mailbox", "revoked token", "no IMAP.AccessAsApp role",
                                  "no mailbox permission", "not a token"])
def test_imap_refuses(dovecot_oauth, token_issuer, case):
    user = TEST_MAILBOX
    if case == "no IMAP.AccessAsApp role":
        token_issuer.set_roles(TEST_CLIENT_ID, [SMTP_ROLE])
    token = _token(token_issuer)
    if case == "another mailbox":
        user = dovecot_oauth.address("dana")
    elif case == "revoked token":
        token_issuer.revoke_all_tokens()
    elif case == "no mailbox permission":
        token_issuer.set_mailbox(TEST_CLIENT_ID, None)
    elif case == "not a token":
        token = "not-a-token"

    with _imap(dovecot_oauth) as imap, pytest.raises(LoginError, match="AUTHENTICATIONFAILED"):
        imap.oauth2_login(user, token)
    assert token_issuer.outcomes("/introspect"), "Dovecot never asked the issuer"


def test_imap_refuses_a_token_once_it_has_expired(dovecot_oauth, token_issuer):
    # The only wait in these tests: the issuer's own clock has to pass a 2-second token's expiry.
    token_issuer.lifetime_seconds = 2
    token = _token(token_issuer)
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]
    with _imap(dovecot_oauth) as imap:
        imap.oauth2_login(TEST_MAILBOX, token)

    wait_until(lambda: time.time() > expires, timeout=4, what="the token to expire")

    with _imap(dovecot_oauth) as imap, pytest.raises(LoginError):
        imap.oauth2_login(TEST_MAILBOX, token)
    assert token_issuer.outcomes("/introspect") == ["active", "inactive"]


def test_kick_ends_an_idle_session(dovecot_oauth, token_issuer):
    imap = _imap(dovecot_oauth)
    imap.oauth2_login(TEST_MAILBOX, _token(token_issuer))
    imap.select_folder("INBOX")
    imap.idle()
    started = time.monotonic()

    dovecot_oauth.kick("drp")

    seen, closed = [], False
    while time.monotonic() - started < 5 and not closed:
        try:
            responses = imap.idle_check(timeout=1)
        except (OSError, EOFError, imap.AbortError):
            closed = True
            break
        seen.extend(responses)
        # imaplib reads an empty line at end of file as nothing: probe the socket itself.
        closed = any(r[0] == b"BYE" for r in responses)
    try:
        imap.shutdown()
    except OSError:
        pass
    assert closed, f"the IDLE session was not ended within 5 s (saw {seen})"


# -- SMTP submission (Postfix, SASL by Dovecot) ------------------------------------------------


def _submission(postfix) -> smtplib.SMTP:
    smtp = smtplib.SMTP(postfix.host, postfix.submission_port, timeout=10)
    smtp.ehlo("mailbot.test")
    return smtp


def test_submission_with_xoauth2_delivers_into_dovecot(postfix_oauth, dovecot_oauth_server, token_issuer):
    token = _token(token_issuer)
    with _submission(postfix_oauth) as smtp:
        assert "XOAUTH2" in smtp.esmtp_features["auth"].upper().split()
        code, reply = smtp.docmd("AUTH", f"XOAUTH2 {_xoauth2(TEST_MAILBOX, token)}")
        assert code == 235, reply
        smtp.send_message(_message("dana@luton.example.gov.uk", "sent with a token"))

    delivered = dovecot_oauth_server.wait_for_messages("dana")
    assert b"Subject: sent with a token" in delivered[0]


def test_submission_without_auth_is_refused(postfix_oauth):
    with _submission(postfix_oauth) as smtp, pytest.raises(smtplib.SMTPRecipientsRefused):
        smtp.send_message(_message("dana@luton.example.gov.uk", "no auth"))


@pytest.mark.parametrize("case", ["revoked token", "no SMTP.SendAsApp role"])
def test_submission_refuses_with_535(postfix_oauth, token_issuer, case):
    if case == "no SMTP.SendAsApp role":
        token_issuer.set_roles(TEST_CLIENT_ID, [IMAP_ROLE])
    token = _token(token_issuer)
    if case == "revoked token":
        token_issuer.revoke_token(token)

    with _submission(postfix_oauth) as smtp:
        code, reply = smtp.docmd("AUTH", f"XOAUTH2 {_xoauth2(TEST_MAILBOX, token)}")
        if code == 334:  # Dovecot first sends the JSON error challenge; the client answers empty
            code, reply = smtp.docmd("")
    assert code == 535, reply


def test_the_no_role_token_still_opens_imap_so_the_scopes_are_per_service(dovecot_oauth, token_issuer):
    # The counterpart of the case above: IMAP and submission check different roles.
    token_issuer.set_roles(TEST_CLIENT_ID, [IMAP_ROLE])
    with _imap(dovecot_oauth) as imap:
        imap.oauth2_login(TEST_MAILBOX, _token(token_issuer))


# -- aiosmtpd in XOAUTH2 mode (Exchange's refusal wording) ----------------------------------


def test_aiosmtpd_xoauth2_accepts_and_refuses_as_exchange_does():
    def check(token: str, user: str) -> str | None:
        return None if token == "good-token" else EXCHANGE_SMTP_AUTH_DISABLED

    server = SmtpServer(xoauth2=check)
    server.start()
    try:
        with smtplib.SMTP(server.host, server.port, timeout=5) as smtp:
            smtp.ehlo("mailbot.test")
            assert "XOAUTH2" in smtp.esmtp_features["auth"].split()
            code, challenge = smtp.docmd("AUTH", f"XOAUTH2 {_xoauth2(TEST_MAILBOX, 'stale-token')}")
            assert code == 334
            assert b'"status": "401"' in base64.b64decode(challenge)
            code, reply = smtp.docmd("")
            assert (code, reply.decode()) == (535, EXCHANGE_SMTP_AUTH_DISABLED[4:])
            code, reply = smtp.docmd("AUTH", f"XOAUTH2 {_xoauth2(TEST_MAILBOX, 'good-token')}")
            assert code == 235, reply
            smtp.send_message(_message("dana@luton.example.gov.uk", "via aiosmtpd"))
        received = server.wait_for(1)
    finally:
        server.stop()
    assert received[0].login == TEST_MAILBOX
    assert server.handler.token_logins == [(TEST_MAILBOX, EXCHANGE_SMTP_AUTH_DISABLED), (TEST_MAILBOX, None)]


def test_the_issuer_ports_are_loopback_only(token_issuer):
    # Nothing in these stand-ins listens beyond 127.0.0.1.
    assert token_issuer.url.startswith("https://127.0.0.1:")
    assert token_issuer.introspection_url.startswith("http://127.0.0.1:")
    with socket.create_connection(("127.0.0.1", int(token_issuer.url.rsplit(":", 1)[1])), timeout=2):
        pass
