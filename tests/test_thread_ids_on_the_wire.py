"""A notice answers the IRO's mail in the IRO's own thread, whatever the length of its id.

Exchange Online writes Message-IDs of 80-90 characters. Both ways a notice leaves mailbot (a
real aiosmtpd SMTP server on loopback, and the Maildir sink) must write them as ids: before this
test the SMTP path re-serialised the message under a stock policy, which folded such an id into
RFC 2047 encoded words, and the notice fell out of the manager's and the IRO's thread."""

from __future__ import annotations

import email
from datetime import datetime
from email import policy
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from mailbot.config import load_config
from mailbot.maildir import MaildirSink
from mailbot.service import Mailbot
from mailbot.smtp import SmtpSink

from test_service import mail

LONDON = ZoneInfo("Europe/London")
OUTLOOK_ID = "LO4P265MB77486331CC9A6BF3061FB013EBAE77943027@LO4P265MB7748.GBRP265.PROD.OUTLOOK.COM"


def raising_mail() -> bytes:
    return mail("sam.iro", "dana.tm", "Pre-Dispute Resolution",
                "Child ID: 1234567\n\nThe PEP is missing. Please respond within 5 working days.",
                datetime(2027, 5, 4, 10, tzinfo=LONDON), OUTLOOK_ID)


def bot_for(root: Path, folder: Path, outbox_url: str) -> Mailbot:
    data = yaml.safe_load((root / "config.yaml").read_text())
    data["outbox"] = {"url": outbox_url, "allow_plaintext": True, "timeout_seconds": 10}
    data["store"] = {"url": f"sqlite:///{folder / 'mailbot.db'}"}
    (folder / "config.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return Mailbot(load_config(folder / "config.yaml"))


def assert_threaded(raw: bytes) -> None:
    head = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    assert b"=?" not in head
    notice = email.message_from_bytes(raw, policy=policy.default)
    assert notice["In-Reply-To"] == f"<{OUTLOOK_ID}>"
    assert f"<{OUTLOOK_ID}>" in notice["References"].split()


def test_over_smtp_the_notice_names_the_outlook_id_as_it_was(root, tmp_path, smtp_server):
    bot = bot_for(root, tmp_path, f"smtp://{smtp_server.host}:{smtp_server.port}")
    now = datetime(2027, 5, 4, 10, 5, tzinfo=LONDON)
    assert bot.ingest(raising_mail(), now).kind == "new_alert"
    config = bot.config
    sent = bot.send(now, SmtpSink(config.settings.outbox, config.authority.mailbox_address))
    assert sent and len(smtp_server.received) == len(sent)
    for received in smtp_server.received:
        assert_threaded(received.data)


def test_in_the_maildir_outbox_the_notice_names_the_outlook_id_as_it_was(root, tmp_path):
    bot = bot_for(root, tmp_path, f"maildir:{tmp_path / 'out'}")
    now = datetime(2027, 5, 4, 10, 5, tzinfo=LONDON)
    assert bot.ingest(raising_mail(), now).kind == "new_alert"
    sent = bot.send(now, MaildirSink(tmp_path / "out"))
    files = sorted((tmp_path / "out" / "new").iterdir())
    assert sent and len(files) == len(sent)
    for path in files:
        assert_threaded(path.read_bytes())
