"""TLS is on by default (DESIGN §6.6): mailbot's IMAP and SMTP clients against real servers
presenting a certificate mailbot must verify. The certificate is self-signed for 127.0.0.1, so
it is trusted only through ``ca_file``, as a council's private certificate authority would be."""

from __future__ import annotations

import email
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from mailbot.config import load_config
from mailbot.imap import ImapSource, MailboxUnavailable
from mailbot.service import Mailbot
from mailbot.shell import drain_mailbox
from mailbot.smtp import SmtpSink, TemporaryFailure

pytestmark = pytest.mark.slow
LONDON = ZoneInfo("Europe/London")
DOMAIN = "luton.example.gov.uk"
PASSWORD_ENV = "MAILBOT_TEST_IMAP_PASSWORD"


def config_for(root: Path, folder: Path, mailbox: dict, outbox: dict | None = None):
    data = yaml.safe_load((root / "config.yaml").read_text())
    data["mailbox"] = {"password_env": PASSWORD_ENV, "timeout_seconds": 10, **mailbox}
    if outbox:
        data["outbox"] = {"timeout_seconds": 10, **outbox}
    data["store"] = {"url": f"sqlite:///{folder / 'mailbot.db'}"}
    (folder / "config.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return load_config(folder / "config.yaml")


def iro_mail() -> bytes:
    msg = email.message.EmailMessage()
    msg["From"] = f"sam.iro@{DOMAIN}"
    msg["To"] = f"dana.tm@{DOMAIN}"
    msg["Cc"] = f"drp@{DOMAIN}"
    msg["Subject"] = "Pre-Dispute Resolution"
    msg["Date"] = email.utils.format_datetime(datetime(2027, 5, 4, 10, tzinfo=LONDON))
    msg["Message-ID"] = f"<tls-1@{DOMAIN}>"
    msg.set_content("Child ID: 1234567\n\nThe PEP is missing.")
    return msg.as_bytes()


@pytest.mark.parametrize("scheme", ["imaps", "imap+starttls"])
def test_imap_over_tls_with_the_councils_ca(root, tmp_path, dovecot_tls, tls_certificate, monkeypatch, scheme):
    dovecot_tls.reset()
    monkeypatch.setenv(PASSWORD_ENV, dovecot_tls.password("drp"))
    port = dovecot_tls.imaps_port if scheme == "imaps" else dovecot_tls.port
    config = config_for(root, tmp_path, {"url": f"{scheme}://127.0.0.1:{port}", "username": dovecot_tls.address("drp"),
                                         "ca_file": str(tls_certificate.cert)})
    dovecot_tls.append("drp", "INBOX", iro_mail())
    source = ImapSource(config.settings.mailbox)
    source.connect()
    try:
        results = drain_mailbox(Mailbot(config), datetime(2027, 5, 4, 10, 5, tzinfo=LONDON), source)
    finally:
        source.close()
    assert [r.status for r in results] == ["processed"]
    assert dovecot_tls.messages("drp", "INBOX") == []


def test_imap_refuses_a_certificate_it_cannot_verify(root, tmp_path, dovecot_tls, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, dovecot_tls.password("drp"))
    config = config_for(root, tmp_path, {"url": f"imaps://127.0.0.1:{dovecot_tls.imaps_port}",
                                         "username": dovecot_tls.address("drp")})
    with pytest.raises(MailboxUnavailable, match="CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
        ImapSource(config.settings.mailbox).connect()


def test_smtp_over_tls_with_the_councils_ca(root, tmp_path, smtp_tls_server, tls_certificate, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "unused")
    scheme = "smtps" if smtp_tls_server.implicit_tls else "smtp+starttls"
    config = config_for(root, tmp_path, {"url": "maildir:var/mail"},
                        {"url": f"{scheme}://127.0.0.1:{smtp_tls_server.port}", "ca_file": str(tls_certificate.cert)})
    bot = Mailbot(config)
    now = datetime(2027, 5, 4, 10, tzinfo=LONDON)
    bot.ingest(iro_mail(), now)
    sent = bot.send(now, SmtpSink(config.settings.outbox, config.authority.mailbox_address))
    assert len(sent) == 1
    assert len(smtp_tls_server.received) == 1


def test_smtp_refuses_a_certificate_it_cannot_verify(root, tmp_path, smtp_tls_server, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "unused")
    scheme = "smtps" if smtp_tls_server.implicit_tls else "smtp+starttls"
    config = config_for(root, tmp_path, {"url": "maildir:var/mail"},
                        {"url": f"{scheme}://127.0.0.1:{smtp_tls_server.port}"})
    message = email.message.EmailMessage()
    message["From"], message["To"], message["Subject"] = f"drp@{DOMAIN}", f"dana.tm@{DOMAIN}", "x"
    message.set_content("x")
    with pytest.raises(TemporaryFailure, match="CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
        SmtpSink(config.settings.outbox, config.authority.mailbox_address).send(message)
    assert smtp_tls_server.received == []
