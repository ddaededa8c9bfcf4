"""Tests for mailbot.maildir: the Maildir inbox source and the Maildir outgoing sink."""

import email
import email.policy
import os
from email.message import EmailMessage
from pathlib import Path

import pytest

from mailbot.maildir import InboundItem, MaildirSink, MaildirSource

CRLF_8BIT = (
    b"From: Si\xc3\xa2n <sian@example.org>\r\n"
    b"To: drp@council.example\r\n"
    b"Subject: Pre-Dispute Resolution\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"Caf\xc3\xa9 \xff\xfe raw 8-bit, no trailing newline"
)


def message(n: int) -> bytes:
    return f"Subject: message {n}\nMessage-ID: <m{n}@example.org>\n\nbody {n}\n".encode()


def file_of(root: Path, key: str) -> Path:
    matches = [p for sub in ("new", "cur") for p in (root / sub).iterdir() if p.name.split(":")[0] == key]
    assert len(matches) == 1, matches
    return matches[0]


def keys_in(root: Path) -> set[str]:
    return {p.name.split(":")[0] for sub in ("new", "cur") for p in (root / sub).iterdir()}


def test_creates_maildir_and_maildirplusplus_folders(tmp_path):
    root = tmp_path / "inbox"
    source = MaildirSource(root)
    for folder in (root, root / ".processed", root / ".quarantine"):
        for sub in ("new", "cur", "tmp"):
            assert (folder / sub).is_dir()
    assert (root / ".processed" / "maildirfolder").exists()
    assert source.pending() == []
    # Opening an existing Maildir again is fine and keeps its contents.
    key = source.deliver(message(1))
    assert [i.key for i in MaildirSource(root).pending()] == [key]


def test_custom_folder_names(tmp_path):
    source = MaildirSource(tmp_path, processed_folder="done", quarantine_folder="bad")
    assert (tmp_path / ".done" / "new").is_dir()
    assert (tmp_path / ".bad" / "new").is_dir()
    key = source.deliver(message(1))
    source.mark_processed(key)
    assert keys_in(tmp_path / ".done") == {key}


@pytest.mark.parametrize("kwargs", [{"processed_folder": "a/b"}, {"quarantine_folder": ".x"},
                                    {"processed_folder": "same", "quarantine_folder": "same"}])
def test_bad_folder_names_are_rejected(tmp_path, kwargs):
    with pytest.raises(ValueError):
        MaildirSource(tmp_path, **kwargs)


def test_pending_is_oldest_delivery_first_then_key(tmp_path):
    source = MaildirSource(tmp_path)
    keys = [source.deliver(message(n)) for n in range(4)]
    # Delivery times deliberately out of key order; the last two share a time.
    times = {keys[0]: 3000, keys[1]: 1000, keys[2]: 2000, keys[3]: 2000}
    for key, t in times.items():
        os.utime(file_of(tmp_path, key), (t, t))
    # Move one to cur/ with flags, as a mail client does when it has seen it.
    seen = file_of(tmp_path, keys[1])
    seen.rename(tmp_path / "cur" / f"{keys[1]}:2,S")

    items = source.pending()
    expected = [keys[1]] + sorted([keys[2], keys[3]]) + [keys[0]]
    assert [i.key for i in items] == expected
    assert all(isinstance(i, InboundItem) and i.uid is None and i.uidvalidity is None for i in items)
    assert {i.key: i.raw for i in items} == {k: message(n) for n, k in enumerate(keys)}


def test_bytes_preserved_exactly(tmp_path):
    source = MaildirSource(tmp_path)
    key = source.deliver(CRLF_8BIT)
    assert file_of(tmp_path, key).read_bytes() == CRLF_8BIT
    (item,) = source.pending()
    assert item.raw == CRLF_8BIT
    source.mark_quarantined(key, "unparseable")
    assert file_of(tmp_path / ".quarantine", key).read_bytes() == CRLF_8BIT


def test_pending_reads_files_dropped_in_by_another_agent(tmp_path):
    source = MaildirSource(tmp_path)
    (tmp_path / "cur" / "1700000000.abc.host:2,S").write_bytes(CRLF_8BIT)
    (tmp_path / "new" / ".hidden").write_bytes(b"not a message")
    (item,) = source.pending()
    assert item.key == "1700000000.abc.host"
    assert item.raw == CRLF_8BIT


def test_mark_processed_moves_and_is_idempotent(tmp_path):
    source = MaildirSource(tmp_path)
    a = source.deliver(message(1))
    b = source.deliver(message(2))
    source.mark_processed(a)
    assert [i.key for i in source.pending()] == [b]
    assert keys_in(tmp_path / ".processed") == {a}
    assert file_of(tmp_path / ".processed", a).read_bytes() == message(1)
    source.mark_processed(a)  # already moved: not an error, nothing changes
    assert keys_in(tmp_path / ".processed") == {a}
    assert keys_in(tmp_path) == {b}


def test_move_keeps_subdirectory_and_flags(tmp_path):
    source = MaildirSource(tmp_path)
    key = source.deliver(message(1))
    file_of(tmp_path, key).rename(tmp_path / "cur" / f"{key}:2,S")
    source.mark_processed(key)
    assert (tmp_path / ".processed" / "cur" / f"{key}:2,S").is_file()


def test_mark_quarantined_moves_and_logs_one_line_reason(tmp_path):
    source = MaildirSource(tmp_path)
    a = source.deliver(message(1))
    b = source.deliver(message(2))
    source.mark_quarantined(a, "parser failed:\nValueError: bad\r\n  table  ")
    assert [i.key for i in source.pending()] == [b]
    assert keys_in(tmp_path / ".quarantine") == {a}
    log = (tmp_path / ".quarantine" / "reasons.log").read_text(encoding="utf-8")
    assert log == f"{a}\tparser failed: ValueError: bad   table\n"
    assert source.reasons_log == tmp_path / ".quarantine" / "reasons.log"

    source.mark_quarantined(a, "parser failed again")  # idempotent: no move, no second line
    assert keys_in(tmp_path / ".quarantine") == {a}
    assert (tmp_path / ".quarantine" / "reasons.log").read_text(encoding="utf-8") == log

    source.mark_quarantined(b, "Unicode reason: naïve")
    lines = (tmp_path / ".quarantine" / "reasons.log").read_text(encoding="utf-8").splitlines()
    assert lines == [f"{a}\tparser failed: ValueError: bad   table", f"{b}\tUnicode reason: naïve"]


def test_quarantine_after_crash_between_log_and_move(tmp_path):
    source = MaildirSource(tmp_path)
    key = source.deliver(message(1))
    (tmp_path / ".quarantine" / "reasons.log").write_text(f"{key}\tfirst try\n", encoding="utf-8")
    source.mark_quarantined(key, "second try")
    assert keys_in(tmp_path / ".quarantine") == {key}
    assert (tmp_path / ".quarantine" / "reasons.log").read_text(encoding="utf-8") == f"{key}\tfirst try\n"


def test_unknown_keys_are_key_errors(tmp_path):
    source = MaildirSource(tmp_path)
    with pytest.raises(KeyError):
        source.mark_processed("no-such-key")
    with pytest.raises(KeyError):
        source.mark_quarantined("no-such-key", "why")
    assert not (tmp_path / ".quarantine" / "reasons.log").exists()
    # A processed message is not silently re-filed as quarantined, nor the other way round.
    key = source.deliver(message(1))
    source.mark_processed(key)
    with pytest.raises(KeyError):
        source.mark_quarantined(key, "late")


def test_deliver_rejects_text(tmp_path):
    with pytest.raises(TypeError):
        MaildirSource(tmp_path).deliver("Subject: str\n\nbody\n")


def test_sink_writes_readable_messages_to_new(tmp_path):
    sink = MaildirSink(tmp_path / "sent")
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = "DRP mailbot <drp@council.example>"
    msg["To"] = "Siân Jones <sian@council.example>"
    msg["Subject"] = "Réponse attendue [DRP-2026-0042]"
    msg["Message-ID"] = "<mailbot.1@council.example>"
    msg.set_content("Bonjour — please respond.\n")

    key = sink.send(msg)
    files = list((tmp_path / "sent" / "new").iterdir())
    assert [f.name for f in files] == [key]
    raw = files[0].read_bytes()
    assert b"\r\n" not in raw  # LF on disk, as a Maildir file conventionally is
    back = email.message_from_bytes(raw, policy=email.policy.default)
    assert back["Subject"] == "Réponse attendue [DRP-2026-0042]"
    assert back["To"].addresses[0].display_name == "Siân Jones"
    assert back["Message-ID"] == "<mailbot.1@council.example>"
    assert back.get_content() == "Bonjour — please respond.\n"

    key2 = sink.send(msg)
    assert key2 != key
    assert len(list((tmp_path / "sent" / "new").iterdir())) == 2
