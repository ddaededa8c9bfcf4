"""mailbot on OAuth 2.0 against real servers (issue 11): the daemon, check-config --connect and
each administrator's mistake, through a real Dovecot (SASL XOAUTH2, tokens checked by
introspection), a real Postfix (submission with XOAUTH2 through Dovecot's SASL) and MSAL.

The token service is tests/oauth_issuer.py: a local OAuth 2.0 issuer that STANDS IN FOR
MICROSOFT ENTRA ID (nothing here can reach Microsoft). MSAL is pointed at it as at a national
cloud (another authority host, so Microsoft's instance discovery is off) and trusts its
certificate through ``auth.ca_file``. Its error answers are Entra's AADSTS codes and wording.

Token lifetimes are seconds here so that renewal happens within a test: that is the issuer's
clock, which mailbot cannot be handed; every wait is for an event, bounded, never for a deadline.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import yaml

from mailbot.cli import main
from mailbot.config import load_config
from mailbot.daemon import Daemon, status
from mailbot.maildir import MaildirSink
from mailbot.service import Mailbot
from mailbot.shell import make_sink, make_source
from oauth_issuer import IMAP_ROLE, TEST_CLIENT_ID, TEST_CLIENT_SECRET, TEST_MAILBOX
from servers import EXCHANGE_SMTP_AUTH_DISABLED, SmtpServer, wait_until
from test_daemon import LONDON, Running, alert_count, iro_mail

pytestmark = pytest.mark.slow
SECRET_ENV = "MAILBOT_TEST_OAUTH_SECRET"
DOMAIN = "luton.example.gov.uk"
# The OAuth Dovecot's users are drp, dana and sam (tests/servers.py): the directory's people are
# mapped onto them so that mailbot's notices, sent through Postfix, land in real mailboxes.
ADDRESSES = {f"dana.tm@{DOMAIN}": f"dana@{DOMAIN}", f"sam.iro@{DOMAIN}": f"sam@{DOMAIN}"}


def auth_block(issuer, tls_certificate, **changes) -> dict:
    block = {"method": "oauth2", "provider": "microsoft", "tenant": issuer.tenant_id,
             "client_id": TEST_CLIENT_ID, "client_secret_env": SECRET_ENV,
             "authority": issuer.url, "ca_file": str(tls_certificate.cert)}
    block.update(changes)
    return {k: v for k, v in block.items() if v is not None}


def write_oauth_config(root: Path, folder: Path, dovecot, issuer, tls_certificate, *, smtp_port: int | None = None,
                       mailbox_auth: dict | None = None, outbox_auth: dict | None = None) -> Path:
    text = (root / "config.yaml").read_text()
    for old, new in ADDRESSES.items():
        text = text.replace(old, new)
    data = yaml.safe_load(text)
    auth = auth_block(issuer, tls_certificate)
    data["mailbox"] = {"url": f"imap://{dovecot.host}:{dovecot.port}", "username": TEST_MAILBOX,
                       "allow_plaintext": True, "poll_seconds": 2, "timeout_seconds": 10,
                       "auth": mailbox_auth or auth}
    if smtp_port is not None:
        data["outbox"] = {"url": f"smtp://{dovecot.host}:{smtp_port}", "username": TEST_MAILBOX,
                          "allow_plaintext": True, "timeout_seconds": 10, "retry_horizon_minutes": 60,
                          "auth": outbox_auth or mailbox_auth or auth}
    data["store"] = {"url": f"sqlite:///{folder / 'mailbot.db'}"}
    # A `mailbot run` process sends the digest (08:30 on working days) and the monthly and
    # quarterly reports by the wall clock. They go to Dana, who has a mailbox on this Dovecot:
    # sent to the Business Manager, who has none, the digest bounced into the shared mailbox
    # whenever a run started after 08:30 on a working day, and the run depended on the hour.
    data["digest"]["recipients"] = [f"dana@{DOMAIN}"]
    data["reports"] = {key: [f"dana@{DOMAIN}"] for key in data["reports"]}
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def secret(monkeypatch):
    monkeypatch.setenv(SECRET_ENV, TEST_CLIENT_SECRET)
    return TEST_CLIENT_SECRET


def check_connect(capsys, config_path: Path) -> tuple[int, list[str], str]:
    code = main(["--config", str(config_path), "check-config", "--connect"])
    out, err = capsys.readouterr()
    lines = [line.strip() for line in out.splitlines() if line.strip().startswith(("ok", "FAIL"))]
    return code, lines, err


# ---------------------------------------------------------------------------- check-config --connect


def test_check_config_connect_logs_in_to_both_sides_and_sends_nothing(
        capsys, root, tmp_path, dovecot_oauth, postfix_oauth, token_issuer, tls_certificate, secret) -> None:
    path = write_oauth_config(root, tmp_path, dovecot_oauth, token_issuer, tls_certificate,
                              smtp_port=postfix_oauth.submission_port)
    code, lines, err = check_connect(capsys, path)
    assert code == 0, (lines, err)
    mailbox, outbox = lines
    assert mailbox.startswith("ok   mailbox: imap://") and f"logged in as {TEST_MAILBOX} with OAuth 2.0 (XOAUTH2" in mailbox
    assert "folder separator '/'" in mailbox and "'processed' and 'quarantine' ready" in mailbox
    assert outbox.startswith("ok   outbox: smtp://") and "logged in with OAuth 2.0 (XOAUTH2)" in outbox
    assert outbox.endswith("nothing sent")
    # Through MSAL: one token for each side, and nothing delivered anywhere.
    assert token_issuer.tokens_issued[TEST_CLIENT_ID] == 2
    assert "processed" in dovecot_oauth.folders("drp")
    assert all(dovecot_oauth.messages(user) == [] for user in ("drp", "dana", "sam"))


@pytest.mark.parametrize("mistake, mailbox_says, outbox_says", [
    ("wrong tenant", "mailbox.auth: tenant not-our-tenant not found: set auth.tenant to the Directory (tenant) ID",
     "outbox.auth: tenant not-our-tenant not found"),
    ("unknown application", "mailbox.auth: application someone-else not found in tenant",
     "outbox.auth: application someone-else not found"),
    ("wrong secret", "mailbox.auth: the client secret was refused: put the secret's Value (not its Secret ID) in "
                     f"the environment variable {SECRET_ENV} (AADSTS7000215)", "(AADSTS7000215)"),
    ("expired secret", "mailbox.auth: the client secret has expired: add a new one under Certificates & secrets",
     "(AADSTS7000222)"),
    ("no admin consent", f"mailbox.auth: the access token lacks the {IMAP_ROLE} role",
     "outbox.auth: the access token lacks the SMTP.SendAsApp role"),
    ("no mailbox permission", f"mailbox: Exchange refused the token for {TEST_MAILBOX}",
     f"outbox: Exchange refused the token for {TEST_MAILBOX}"),
    ("secret variable unset", f"mailbox.auth.client_secret_env: the environment variable {SECRET_ENV} is not set",
     f"outbox.auth.client_secret_env: the environment variable {SECRET_ENV} is not set"),
    ("token service down", "mailbox.auth: cannot reach the token service at https://127.0.0.1:",
     "outbox.auth: cannot reach the token service"),
])
def test_each_set_up_mistake_is_one_line_saying_what_to_do(
        capsys, monkeypatch, root, tmp_path, dovecot_oauth, postfix_oauth, token_issuer, tls_certificate,
        secret, mistake, mailbox_says, outbox_says) -> None:
    auth = auth_block(token_issuer, tls_certificate)
    if mistake == "wrong tenant":
        auth["tenant"] = "not-our-tenant"
    elif mistake == "unknown application":
        auth["client_id"] = "someone-else"
    elif mistake == "wrong secret":
        monkeypatch.setenv(SECRET_ENV, "the-secret-id-not-its-value")
    elif mistake == "expired secret":
        token_issuer.expire_secret(TEST_CLIENT_ID, TEST_CLIENT_SECRET)
    elif mistake == "no admin consent":
        token_issuer.set_roles(TEST_CLIENT_ID, ())
    elif mistake == "no mailbox permission":
        token_issuer.set_mailbox(TEST_CLIENT_ID, None)
    elif mistake == "secret variable unset":
        monkeypatch.delenv(SECRET_ENV)
    elif mistake == "token service down":
        token_issuer.stop_token_service()
    path = write_oauth_config(root, tmp_path, dovecot_oauth, token_issuer, tls_certificate,
                              smtp_port=postfix_oauth.submission_port, mailbox_auth=auth)
    code, lines, err = check_connect(capsys, path)
    assert code == 1, (lines, err)
    assert "Traceback" not in err and "internal error" not in err, err
    mailbox, outbox = lines
    assert mailbox.startswith("FAIL ") and mailbox_says in mailbox, mailbox
    assert outbox.startswith("FAIL ") and outbox_says in outbox, outbox
    if mistake == "no mailbox permission":
        assert "New-ServicePrincipal" in mailbox and "Add-MailboxPermission" in mailbox
        assert "Add-RecipientPermission" in outbox
    if mistake == "no admin consent":
        assert "Grant admin consent" in mailbox
    # A secret never reaches the output.
    assert TEST_CLIENT_SECRET not in "\n".join(lines) + err


def test_smtp_auth_disabled_for_the_mailbox_names_the_cmdlet(
        capsys, root, tmp_path, dovecot_oauth, token_issuer, tls_certificate, secret) -> None:
    """Exchange's own refusal text, from an SMTP server that answers XOAUTH2 as Exchange does
    when SMTP AUTH is off for the mailbox (Postfix cannot be made to say it)."""
    server = SmtpServer(xoauth2=lambda token, user: EXCHANGE_SMTP_AUTH_DISABLED)
    server.start()
    try:
        path = write_oauth_config(root, tmp_path, dovecot_oauth, token_issuer, tls_certificate, smtp_port=server.port)
        code, lines, _ = check_connect(capsys, path)
    finally:
        server.stop()
    assert code == 1, (lines, err)
    assert lines[0].startswith("ok ")
    assert lines[1] == (f"FAIL outbox: SMTP AUTH is disabled for {TEST_MAILBOX}: run Set-CASMailbox -Identity "
                        f"{TEST_MAILBOX} -SmtpClientAuthenticationDisabled $false (Exchange: "
                        + " ".join(EXCHANGE_SMTP_AUTH_DISABLED.split()) + ")")


# ---------------------------------------------------------------------------- the daemon


def start_daemon(root, tmp_path, dovecot, issuer, tls_certificate, *, smtp_port=None, mailbox_auth=None):
    config = load_config(write_oauth_config(root, tmp_path, dovecot, issuer, tls_certificate,
                                            smtp_port=smtp_port, mailbox_auth=mailbox_auth))
    bot = Mailbot(config)
    sink = make_sink(config) if smtp_port is not None else MaildirSink(tmp_path / "out")
    return bot, Daemon(bot, make_source(config), sink)


def concern(n: int) -> bytes:
    """Sam's concern to Dana, copied to the shared mailbox, as the directory here names them."""
    return iro_mail(n, datetime.now(LONDON), sender=f"sam@{DOMAIN}", to=f"dana@{DOMAIN}")


def token_requests(issuer) -> list[str]:
    return issuer.outcomes("/token")


def test_mailbot_run_reads_through_idle_and_sends_through_postfix_across_token_renewals(
        root, tmp_path, dovecot_oauth, postfix_oauth, token_issuer, tls_certificate, secret) -> None:
    """Done-when of issue 11: `mailbot run`, as a process, against the OAuth Dovecot picks up mail
    through IDLE and sends its notices through Postfix with XOAUTH2, across at least two token
    renewals, and stops cleanly on SIGTERM."""
    token_issuer.lifetime_seconds = 4  # renewed at half-life: every 2 s
    path = write_oauth_config(root, tmp_path, dovecot_oauth, token_issuer, tls_certificate,
                              smtp_port=postfix_oauth.submission_port)
    bot = Mailbot(load_config(path))
    env = {**os.environ, SECRET_ENV: TEST_CLIENT_SECRET, "PYTHONPATH": str(root)}
    process = subprocess.Popen([sys.executable, "-m", "mailbot", "--config", str(path), "run"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: status(bot)["last_poll"], 20, what="the first poll")
        dovecot_oauth.append("drp", "INBOX", concern(1))
        wait_until(lambda: alert_count(bot) == 1 or None, 10, what="the first alert")
        # The acknowledgement to Sam goes out through Postfix, logged in with a token.
        first_round = dovecot_oauth.wait_for_messages("sam", count=1, timeout=30)
        wait_until(lambda: token_requests(token_issuer).count("issued") >= 4, 30, what="two renewals")
        dovecot_oauth.append("drp", "INBOX", concern(2))
        wait_until(lambda: alert_count(bot) == 2 or None, 10, what="the alert after the renewals")
        second_round = dovecot_oauth.wait_for_messages("sam", count=len(first_round) + 1, timeout=30)
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
        log = process.stderr.read()
    assert code == 0, log[-3000:]
    assert "new access token" in log and TEST_CLIENT_SECRET not in log
    outcomes = Counter(token_requests(token_issuer))
    assert outcomes["issued"] >= 4 and set(outcomes) <= {"issued"}, outcomes
    # Each notice delivered once: no Message-ID twice in any mailbox.
    for user in ("sam", "dana"):
        ids = [message_from_bytes(raw, policy=policy.default)["Message-ID"] for raw in dovecot_oauth.messages(user)]
        assert ids and len(ids) == len(set(ids)), (user, ids)
    assert len(second_round) > len(first_round)
    assert dovecot_oauth.messages("drp", "INBOX") == []
    assert len(dovecot_oauth.messages("drp", "processed")) == 2
    # Every introspection Dovecot made was of a live token: sessions were renewed before expiry.
    assert "inactive" not in token_issuer.outcomes("/introspect")


def test_a_token_rejected_mid_session_is_replaced_and_nothing_is_lost(
        root, tmp_path, dovecot_oauth, token_issuer, tls_certificate, secret) -> None:
    bot, daemon = start_daemon(root, tmp_path, dovecot_oauth, token_issuer, tls_certificate)
    with Running(daemon):
        wait_until(lambda: status(bot)["last_poll"], 20, what="the first poll")
        assert token_requests(token_issuer) == ["issued"]
        # Entra revokes the token and Exchange ends the session: the server drops IDLE.
        token_issuer.revoke_all_tokens()
        dovecot_oauth.kick("drp")
        dovecot_oauth.append("drp", "INBOX", concern(1))
        wait_until(lambda: alert_count(bot) == 1 or None, 30, what="the alert after the session was dropped")
    # The cached token was tried, refused, dropped; one fresh token was fetched.
    assert token_requests(token_issuer) == ["issued", "issued"]
    assert "inactive" in token_issuer.outcomes("/introspect")
    assert dovecot_oauth.messages("drp", "INBOX") == []


def test_a_secret_rotated_in_its_file_is_taken_up_without_a_restart(
        root, tmp_path, dovecot_oauth, token_issuer, tls_certificate) -> None:
    secret_file = tmp_path / "oauth-secret"
    secret_file.write_text(TEST_CLIENT_SECRET + "\n")
    secret_file.chmod(0o600)
    token_issuer.lifetime_seconds = 4
    auth = auth_block(token_issuer, tls_certificate, client_secret_env=None, client_secret_file=str(secret_file))
    bot, daemon = start_daemon(root, tmp_path, dovecot_oauth, token_issuer, tls_certificate, mailbox_auth=auth)
    with Running(daemon):
        wait_until(lambda: status(bot)["last_poll"], 20, what="the first poll")
        # The administrator adds a new secret in the portal, writes it to the file, then deletes the old one.
        token_issuer.add_secret(TEST_CLIENT_ID, "rotated-secret-2")
        secret_file.write_text("rotated-secret-2\n")
        token_issuer.revoke_secret(TEST_CLIENT_ID, TEST_CLIENT_SECRET)
        issued_before = token_requests(token_issuer).count("issued")
        wait_until(lambda: token_requests(token_issuer).count("issued") >= issued_before + 2, 30,
                   what="renewals with the new secret")
        dovecot_oauth.append("drp", "INBOX", concern(1))
        wait_until(lambda: alert_count(bot) == 1 or None, 15, what="the alert after the rotation")
    assert "AADSTS7000215" not in token_requests(token_issuer)  # the old secret was never offered again


def test_the_token_service_down_at_start_means_back_off_not_a_crash(
        root, tmp_path, dovecot_oauth, token_issuer, tls_certificate, secret) -> None:
    token_issuer.stop_token_service()
    bot, daemon = start_daemon(root, tmp_path, dovecot_oauth, token_issuer, tls_certificate)
    dovecot_oauth.append("drp", "INBOX", concern(1))
    runner = Running(daemon)
    with runner:
        error = wait_until(lambda: status(bot)["last_error"], 20, what="the outage to be recorded")
        assert "mailbox.auth: cannot reach the token service" in error
        assert runner.thread.is_alive() and alert_count(bot) == 0
        token_issuer.start_token_service()
        wait_until(lambda: alert_count(bot) == 1 or None, 30, what="the alert once the service is back")
        wait_until(lambda: status(bot)["last_error_cleared"], 10, what="the error to be cleared")
    assert dovecot_oauth.messages("drp", "INBOX") == []


def test_the_token_service_down_at_renewal_keeps_the_current_token(
        root, tmp_path, dovecot_oauth, token_issuer, tls_certificate, secret) -> None:
    token_issuer.lifetime_seconds = 20  # renewal due after 10 s; valid for 20
    bot, daemon = start_daemon(root, tmp_path, dovecot_oauth, token_issuer, tls_certificate)
    source = daemon.source
    with Running(daemon):
        wait_until(lambda: status(bot)["last_poll"], 20, what="the first poll")
        token_issuer.stop_token_service()
        held = source.tokens.current
        # The session is renewed when due (the issuer's clock: 10 s); renewal fails, so the
        # token in hand is used again for the new session.
        wait_until(lambda: time.time() > held.renew_at + 1, 20, what="the renewal to fall due")
        dovecot_oauth.append("drp", "INBOX", concern(1))
        wait_until(lambda: alert_count(bot) == 1 or None, 15, what="the alert while the token service is down")
        assert source.tokens.current.value == held.value
        token_issuer.start_token_service()
        wait_until(lambda: source.tokens.current.value != held.value or None, 30, what="a renewed token")
    assert dovecot_oauth.messages("drp", "INBOX") == []


# ---------------------------------------------------------------------------- other credentials


def test_a_certificate_credential_logs_in(capsys, root, tmp_path, dovecot_oauth, postfix_oauth, token_issuer,
                                          tls_certificate) -> None:
    from oauth_issuer import make_client_certificate

    cert, key, thumbprint = make_client_certificate(tmp_path / "app")
    token_issuer.add_certificate(TEST_CLIENT_ID, cert)
    pem = tmp_path / "app.pem"
    pem.write_text(key.read_text() + cert.read_text())
    pem.chmod(0o600)
    auth = auth_block(token_issuer, tls_certificate, client_secret_env=None,
                      certificate={"path": str(pem), "thumbprint": thumbprint})
    path = write_oauth_config(root, tmp_path, dovecot_oauth, token_issuer, tls_certificate,
                              smtp_port=postfix_oauth.submission_port, mailbox_auth=auth)
    code, lines, err = check_connect(capsys, path)
    assert code == 0, (lines, err)
    assert token_issuer.tokens_issued[TEST_CLIENT_ID] == 2
    # A key file others can read is refused before anything is tried.
    pem.chmod(0o644)
    code = main(["--config", str(path), "status"])
    _, err = capsys.readouterr()
    assert code != 0 and f"mailbox.auth.certificate.path: {pem} is readable by group and others" in err


def test_any_oauth_issuer_through_its_token_endpoint(capsys, root, tmp_path, dovecot_oauth, postfix_oauth,
                                                     token_issuer, tls_certificate, secret) -> None:
    auth = {"method": "oauth2", "provider": "token_endpoint", "client_id": TEST_CLIENT_ID,
            "client_secret_env": SECRET_ENV, "token_url": token_issuer.token_endpoint,
            "scope": "https://outlook.office365.com/.default", "ca_file": str(tls_certificate.cert)}
    path = write_oauth_config(root, tmp_path, dovecot_oauth, token_issuer, tls_certificate,
                              smtp_port=postfix_oauth.submission_port, mailbox_auth=auth)
    code, lines, err = check_connect(capsys, path)
    assert code == 0, (lines, err)
    assert token_issuer.outcomes("/token") == ["issued", "issued"]
    token_issuer.stop_token_service()
    code, lines, _ = check_connect(capsys, path)
    assert code == 1 and "cannot reach the token service" in lines[0]


def test_a_wrong_password_is_one_line_naming_the_variable(capsys, root, tmp_path, dovecot, monkeypatch) -> None:
    from test_daemon import PASSWORD_ENV, write_config

    monkeypatch.setenv(PASSWORD_ENV, "not-the-password")
    code, lines, err = check_connect(capsys, write_config(root, tmp_path, dovecot))
    assert code == 1, (lines, err)
    assert lines[0].startswith(f"FAIL mailbox: the server refused the login for {dovecot.address('drp')} (")
    assert lines[0].endswith(f"check the password in the environment variable {PASSWORD_ENV}")
    assert "not-the-password" not in "\n".join(lines) + err


def test_a_login_refused_at_start_stops_the_daemon_with_the_reason(
        root, tmp_path, dovecot_oauth, token_issuer, tls_certificate, secret, caplog) -> None:
    """Retrying cannot fix a refused login: at start the daemon says why and exits 78 (EX_CONFIG),
    which the systemd unit does not restart, instead of retrying for ever."""
    token_issuer.set_mailbox(TEST_CLIENT_ID, None)
    bot, daemon = start_daemon(root, tmp_path, dovecot_oauth, token_issuer, tls_certificate)
    with caplog.at_level("ERROR", logger="mailbot.daemon"):
        code = daemon.run(install_signals=False)
    assert code == 78
    messages = [r.getMessage() for r in caplog.records]
    assert any("Exchange refused the token" in m for m in messages)
    assert any(m.startswith("stopping: correct the setting above") for m in messages)
    assert "Exchange refused the token" in status(bot)["last_error"]
