"""A server install that fits together (issue 12): `mailbot init` writes a configuration with
absolute paths, a secrets file only root can read, and a systemd unit that matches both;
`mailbot backup` takes an online copy of a SQLite store.

The layout `init` writes, and the unit expects:

    /etc/mailbot/config.yaml      the configuration (no secrets in it), read-only to the service
    /etc/mailbot/secrets.env      MAILBOT_IMAP_PASSWORD=... (0600, root; systemd reads it at start)
    /etc/mailbot/mailbot.service  the unit, to copy to /etc/systemd/system/
    /var/lib/mailbot/             the state: store, Maildir folders, anything mailbot writes (0700)

The unit runs mailbot as its own user with everything read-only but the state folder
(ProtectSystem=strict), umask 077, and logs to the journal through stderr.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import sqlite3
import sys
from importlib import resources
from pathlib import Path

from .errors import ConfigError, UsageError
from .files import create_private_file, make_private_dir

EXIT_CONFIG = 78  # the daemon's exit status for a setting to correct; systemd leaves it stopped

SECRETS_TEMPLATE = """\
# Secrets for mailbot, read by systemd (EnvironmentFile=) when the service starts; mode 0600,
# owner root. Only the names the configuration gives (password_env, client_secret_env) are used.
# After changing a value: systemctl restart mailbot
MAILBOT_IMAP_PASSWORD=
MAILBOT_SMTP_PASSWORD=
# Exchange Online (OAuth 2.0, README "Exchange Online, step by step"):
# MAILBOT_OAUTH_SECRET=
"""

UNIT_TEMPLATE = """\
# systemd unit for mailbot, written by `mailbot init` to match {config}.
# Install: cp {unit} /etc/systemd/system/mailbot.service && systemctl daemon-reload
#          && systemctl enable --now mailbot
# Logs: journalctl -u mailbot   Status: sudo -u {user} MAILBOT_CONFIG={config} {exe} status
[Unit]
Description=mailbot: DRP alert tracker on the shared mailbox
After=network-online.target postgresql.service
Wants=network-online.target

[Service]
Type=simple
User={user}
Group={group}
WorkingDirectory={state}
Environment=MAILBOT_CONFIG={config}
EnvironmentFile={secrets}
ExecStartPre={exe} check-config
ExecStart={exe} --log-format json run
# SIGTERM lets the message in hand finish, then mailbot exits 0.
KillSignal=SIGTERM
TimeoutStopSec=60
Restart=on-failure
RestartSec=10
# Exit 78: a setting to correct (a refused login, a folder name the server refuses); restarting
# would only repeat it. mailbot has logged why.
RestartPreventExitStatus={exit_config}
# Children's data: nothing writable but the state folder, nothing readable by others.
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
ReadWritePaths={state}
UMask=0077

[Install]
WantedBy=multi-user.target
"""


def mailbot_command() -> str:
    """How the unit should start this mailbot: the installed script beside this Python."""
    script = Path(sys.executable).parent / "mailbot"
    if script.is_file() and os.access(script, os.X_OK):
        return str(script)
    found = shutil.which("mailbot")
    return found if found else f"{sys.executable} -m mailbot"


def server_config(default_text: str, state: Path) -> str:
    """The embedded configuration with every path made absolute under ``state``."""
    replacements = (
        (r"(url:\s*)maildir:var/mail\b", rf"\g<1>maildir:{state}/mail"),
        (r"(url:\s*)maildir:var/outbox\b", rf"\g<1>maildir:{state}/outbox"),
        (r"(url:\s*)sqlite:///var/mailbot\.db\b", rf"\g<1>sqlite:///{state}/mailbot.db"),
    )
    text = default_text
    for pattern, replacement in replacements:
        text, count = re.subn(pattern, replacement, text, count=1)
        if count != 1:
            raise ConfigError(f"the embedded configuration has no line matching {pattern!r}; cannot make paths absolute")
    header = (f"# Written by `mailbot init` for a server: state in {state}. Every path is absolute, so the\n"
              "# service finds it whatever its working folder. For the council's shared mailbox, replace\n"
              "# mailbox.url and outbox.url (README: \"Running against a real mail server\").\n")
    return header + text


def init(state: Path, config_dir: Path, user: str) -> list[Path]:
    """Write the configuration, secrets file and unit; create the state folder. Nothing is
    written unless everything can be: existing files are never overwritten."""
    state, config_dir = state.resolve(), config_dir.resolve()
    config, secrets, unit = config_dir / "config.yaml", config_dir / "secrets.env", config_dir / "mailbot.service"
    existing = [str(p) for p in (config, secrets, unit) if p.exists()]
    if existing:
        raise UsageError(f"{', '.join(existing)} already exist(s): mailbot init never overwrites; move them away first")
    try:
        account = pwd.getpwnam(user)
    except KeyError:
        raise UsageError(f"no user {user!r} on this machine: create it first (useradd --system --home {state} "
                         f"--shell /usr/sbin/nologin {user}) or name another with --user") from None
    default_text = resources.files("mailbot").joinpath("default_config.yaml").read_text(encoding="utf-8")
    config_text = server_config(default_text, state)
    group = _group_name(account.pw_gid)
    unit_text = UNIT_TEMPLATE.format(config=config, unit=unit, secrets=secrets, state=state, user=user, group=group,
                                     exe=mailbot_command(), exit_config=EXIT_CONFIG)
    # Checked before anything is written: the written configuration must load as it stands.
    from .config import config_from_data
    from .config_problems import read_yaml

    config_from_data(read_yaml(config_text, config).data, base_dir=config_dir, source=config)
    config_dir.mkdir(parents=True, exist_ok=True)
    # The folders above the state folder stay traversable (as /var/lib is); only it is private.
    state.parent.mkdir(parents=True, exist_ok=True)
    make_private_dir(state)
    if os.geteuid() == 0:
        os.chown(state, account.pw_uid, account.pw_gid)
    config.write_text(config_text, encoding="utf-8")
    config.chmod(0o644)  # no secret in it; the service user must read it
    os.close(create_private_file(secrets, os.O_WRONLY))
    secrets.write_text(SECRETS_TEMPLATE, encoding="utf-8")
    unit.write_text(unit_text, encoding="utf-8")
    unit.chmod(0o644)
    return [config, secrets, unit, state]


def _group_name(gid: int) -> str:
    import grp

    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def backup(store_file: Path | None, destination: Path) -> str:
    """An online, consistent copy of the SQLite store (SQLite's backup API: safe while the daemon
    writes), 0600, checked after; the one line to print. PostgreSQL is pg_dump's job."""
    if store_file is None:
        raise UsageError("the store is not SQLite: back it up with pg_dump -Fc -f FILE DBNAME, into a folder only "
                         "the backup user can read (README: \"Files, modes and backups\")")
    if destination.exists():
        raise UsageError(f"{destination} already exists: choose a new file name (backups are never overwritten)")
    if not store_file.is_file():
        raise UsageError(f"{store_file}: no store yet; nothing to back up")
    make_private_dir(destination.parent)
    os.close(create_private_file(destination, os.O_WRONLY))
    source = sqlite3.connect(f"file:{store_file}?mode=ro", uri=True)
    target = sqlite3.connect(destination)
    try:
        source.backup(target)
        check = target.execute("PRAGMA integrity_check").fetchone()[0]
        alerts = target.execute("SELECT COUNT(*) FROM alerts").fetchone()[0] if _has_table(target, "alerts") else 0
    finally:
        source.close()
        target.close()
    if check != "ok":
        destination.unlink()
        raise UsageError(f"the copy failed its integrity check ({check}); nothing kept")
    return f"backed up {store_file} to {destination} ({destination.stat().st_size // 1024} KB, {alerts} alert(s), integrity ok)"


def _has_table(connection: sqlite3.Connection, name: str) -> bool:
    return connection.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone() is not None
