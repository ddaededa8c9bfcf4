"""The real-server harness works: Dovecot stores and announces mail, survives a restart on the
same port, aiosmtpd accepts and refuses on command, and Postfix delivers into Dovecot over LMTP.

These test the fixtures, not mailbot; the daemon's end-to-end tests build on them.
"""

from __future__ import annotations

import asyncio
import smtplib
import time
from email.message import EmailMessage

import aiosmtplib
import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

pytestmark = pytest.mark.slow


def _message(sender: str, to: str, subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = f"<{subject.replace(' ', '-')}@test.invalid>"
    message.set_content(f"{subject}\n")
    return message


RAW = b"From: iro@example.org\r\nTo: drp@luton.example.gov.uk\r\nSubject: DRP alert\r\n\r\nBody.\r\n"


def test_dovecot_append_then_fetch(dovecot):
    assert dovecot.host == "127.0.0.1"
    assert dovecot.address("drp") == "drp@luton.example.gov.uk"
    assert dovecot.messages("drp") == []

    uid = dovecot.append("drp", "INBOX", RAW)
    dovecot.append("drp", "DRP/Processed", RAW.replace(b"DRP alert", b"Done"))

    assert uid == 1
    assert dovecot.messages("drp") == [RAW]
    assert dovecot.messages("drp", "DRP/Processed")[0].endswith(b"Subject: Done\r\n\r\nBody.\r\n")
    assert {"INBOX", "DRP", "DRP/Processed"} <= set(dovecot.folders("drp"))
    assert dovecot.messages("dana") == []  # mailboxes are per user


def test_dovecot_mailboxes_are_empty_in_each_test(dovecot):
    # Runs after the test above in file order: the fixture's reset removed its mail and folders.
    assert dovecot.messages("drp") == []
    assert dovecot.folders("drp") == ["INBOX"]


def test_dovecot_wrong_password_is_refused(dovecot):
    with IMAPClient(dovecot.host, port=dovecot.port, ssl=False, timeout=5) as imap, pytest.raises(LoginError):
        imap.login(dovecot.address("drp"), "wrong")


def test_dovecot_idle_sees_an_append_from_another_connection(dovecot):
    with dovecot.client("drp") as watcher:
        assert b"IDLE" in watcher.capabilities()
        watcher.select_folder("INBOX")
        watcher.idle()
        try:
            started = time.monotonic()
            dovecot.append("drp", "INBOX", RAW)
            responses = []
            while time.monotonic() - started < 2 and not any(r[1] == b"EXISTS" for r in responses):
                responses += watcher.idle_check(timeout=0.2)
            elapsed = time.monotonic() - started
        finally:
            watcher.idle_done()
    assert (1, b"EXISTS") in responses, (responses, dovecot.log()[-2000:])
    assert elapsed < 2


def test_dovecot_restart_keeps_the_mail_and_the_port(dovecot):
    dovecot.append("drp", "INBOX", RAW)
    port = dovecot.port
    before = dovecot.client("drp")
    before.select_folder("INBOX")

    dovecot.restart()

    # A connection open across the restart is dropped, as a daemon under test will see.
    with pytest.raises(IMAPClient.AbortError):
        before.noop()
    assert dovecot.port == port
    assert dovecot.messages("drp") == [RAW]

    dovecot.stop()
    with pytest.raises(OSError):
        dovecot.client("drp")
    dovecot.start()
    assert dovecot.messages("drp") == [RAW]


def _send(server, message: EmailMessage, **options):
    return asyncio.run(aiosmtplib.send(message, hostname=server.host, port=server.port, timeout=5,
                                       **options))


def test_smtp_server_receives_a_message(smtp_server):
    message = _message("drp@luton.example.gov.uk", "manager@example.org", "Chaser 1")
    _send(smtp_server, message, username="mailbot", password="mailbot-secret")

    [received] = smtp_server.received
    assert received.mail_from == "drp@luton.example.gov.uk"
    assert received.rcpt_tos == ["manager@example.org"]
    assert b"Message-ID: <Chaser-1@test.invalid>" in received.data
    assert received.login == "mailbot"


def test_smtp_server_refuses_with_421_when_told_then_accepts(smtp_server):
    message = _message("drp@luton.example.gov.uk", "manager@example.org", "Chaser 2")
    smtp_server.refuse_next(2)

    for _ in range(2):
        with pytest.raises(aiosmtplib.SMTPResponseException) as refused:
            _send(smtp_server, message)
        assert refused.value.code == 421
    assert smtp_server.received == []

    _send(smtp_server, message)
    assert len(smtp_server.received) == 1
    assert smtp_server.handler.refused == ["421 4.3.2 Service not available"] * 2
    assert smtp_server.handler.attempts == 3


def test_smtp_server_421_closes_the_connection(smtp_server):
    # RFC 5321: a server that replies 421 closes the channel; a client must reconnect.
    smtp_server.refuse_next(1, stage="DATA")
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client:
        client.ehlo()
        client.mail("drp@luton.example.gov.uk")
        client.rcpt("manager@example.org")
        code, _ = client.data(b"Subject: x\r\n\r\nx\r\n")
        assert code == 421
        with pytest.raises(smtplib.SMTPServerDisconnected):
            client.noop()


def test_smtp_server_refuses_permanently_with_550(smtp_server):
    message = _message("drp@luton.example.gov.uk", "manager@example.org", "Chaser 3")
    smtp_server.refuse_always("550 5.1.1 No such user", stage="RCPT")
    for _ in range(2):
        with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
            _send(smtp_server, message)
        assert refused.value.recipients[0].code == 550
    smtp_server.accept()
    _send(smtp_server, message)
    assert len(smtp_server.received) == 1


def test_smtp_server_down_refuses_connections_then_comes_back_on_the_same_port(smtp_server):
    message = _message("drp@luton.example.gov.uk", "manager@example.org", "Chaser 4")
    smtp_server.stop()
    with pytest.raises(aiosmtplib.SMTPConnectError):
        _send(smtp_server, message)
    smtp_server.start()
    _send(smtp_server, message)
    assert len(smtp_server.received) == 1


def test_postfix_delivers_into_dovecot_over_lmtp(postfix, dovecot):
    to_dana = _message("drp@luton.example.gov.uk", "dana@luton.example.gov.uk", "Chaser via Postfix")
    _send(postfix, to_dana)
    [delivered] = dovecot.wait_for_messages("dana", timeout=15)
    assert b"Message-ID: <Chaser-via-Postfix@test.invalid>" in delivered
    assert b"Delivered-To: dana@luton.example.gov.uk" in delivered

    reply = _message("dana@luton.example.gov.uk", "drp@luton.example.gov.uk", "Re Chaser via Postfix")
    reply["In-Reply-To"] = "<Chaser-via-Postfix@test.invalid>"
    _send(postfix, reply)
    [back] = dovecot.wait_for_messages("drp", timeout=15)
    assert b"In-Reply-To: <Chaser-via-Postfix@test.invalid>" in back


def test_postfix_relays_nowhere_else(postfix):
    elsewhere = _message("drp@luton.example.gov.uk", "someone@example.org", "Relay attempt")
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
        _send(postfix, elsewhere)
    assert refused.value.recipients[0].code == 554  # Relay access denied
