"""Real mail servers for the tests: Dovecot (IMAP and LMTP), an aiosmtpd SMTP listener, Postfix.

Each server is configured from scratch in a temporary folder, listens on 127.0.0.1 only, on a
free port, and never reads the machine's own configuration in /etc/dovecot or /etc/postfix, so
the tests neither depend on nor disturb a mail system installed on the machine. The fixtures in
conftest.py own the lifetimes; this module only knows how to configure, start, stop and inspect
each server.

Users are the same on every server: short names (``drp``, ``dana``, ``sam``) map to addresses in
DOMAIN, and the full address is the IMAP login name, so that Postfix can hand mail to Dovecot over
LMTP by recipient address with no alias table in between.
"""

from __future__ import annotations

import base64
import binascii
import json
import collections
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from imapclient import IMAPClient

HOST = "127.0.0.1"
DOMAIN = "luton.example.gov.uk"
USERS = {"drp": "drp-secret", "dana": "dana-secret", "sam": "sam-secret"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def port_open(port: int, host: str = HOST) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_until(predicate, timeout: float, interval: float = 0.02, what: str = "condition"):
    """Poll ``predicate`` until it returns something truthy; return that, or raise TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def _dying_with_us(command: list[str]) -> list[str]:
    """``command`` run so that the kernel sends it SIGTERM if the thread that started it ends.

    If the test process dies without tearing down (SIGKILL, a crash), a daemon started this way
    goes with it. setpriv (util-linux, always on Debian) sets the flag between fork and exec; a
    preexec_fn could too, but is unsafe once aiosmtpd's thread is running. The signal follows
    the starting *thread*, so servers should be started from the test's main thread.
    """
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "TERM", "--", *command] if setpriv else command


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
        return True
    except ProcessLookupError:
        return False


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for 127.0.0.1: the servers present it, and mailbot trusts it
    only when told to through ``ca_file``, as with a council's private certificate authority."""

    cert: Path
    key: Path


def make_certificate(folder: Path) -> Certificate:
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", f"/CN={HOST}", "-addext", f"subjectAltName=IP:{HOST}",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    key.chmod(0o644)  # Dovecot reads it after dropping privileges; a throwaway test key
    return Certificate(cert, key)


class Dovecot:
    """A real Dovecot, run in the foreground (``dovecot -F``) from a configuration in ``folder``.

    The ports are chosen once, so ``restart()`` comes back on the same ports with the same mail,
    as a production server does after a reboot.
    """

    def __init__(self, folder: Path, users: dict[str, str] | None = None, domain: str = DOMAIN,
                 lmtp: bool = True, tls: "Certificate | None" = None,
                 oauth2_introspection_url: str | None = None, oauth2_scope: str | None = None,
                 oauth2_submission_scope: str | None = None, auth_inet: bool = False) -> None:
        self.folder = Path(folder)
        # With an introspection URL: SASL XOAUTH2 and OAUTHBEARER too, each token checked by
        # POSTing it there (RFC 7662), as Exchange Online checks Entra's tokens. ``oauth2_scope``
        # is the role an IMAP login's token must carry (IMAP.AccessAsApp); ``oauth2_submission_scope``
        # the one every other service's must carry (SMTP.SendAsApp for Postfix's SASL requests).
        self.oauth2_introspection_url = oauth2_introspection_url
        self.oauth2_scope = oauth2_scope
        self.oauth2_submission_scope = oauth2_submission_scope
        # With auth_inet: Dovecot's SASL service on a TCP port, for Postfix's smtpd_sasl_path.
        self.auth_port = free_port() if auth_inet else None
        # With a certificate: STARTTLS on the IMAP port and implicit TLS on ``imaps_port``.
        self.tls = tls
        self.imaps_port = free_port() if tls else None
        self.domain = domain
        self.users = dict(users or USERS)
        self.host = HOST
        self.port = free_port()
        self.lmtp_port = free_port() if lmtp else None
        self.mail_root = self.folder / "mail"
        self.home_root = self.folder / "home"
        self.config_path = self.folder / "dovecot.conf"
        self.log_path = self.folder / "dovecot.log"
        self._process: subprocess.Popen | None = None
        self._write_config()

    # -- users -------------------------------------------------------------------------------

    def address(self, user: str) -> str:
        """The address (and IMAP login name) of a user given by short name or by address."""
        return user if "@" in user else f"{user}@{self.domain}"

    def password(self, user: str) -> str:
        return self.users[user.split("@", 1)[0]]

    # -- configuration -----------------------------------------------------------------------

    def _write_config(self) -> None:
        # Dovecot will not deliver mail as root, so mail belongs to the unprivileged account the
        # Debian package creates; the folder must be traversable by it.
        account = pwd.getpwnam("dovecot")
        uid, gid = account.pw_uid, account.pw_gid
        self.folder.chmod(0o755)
        for sub in (self.mail_root, self.home_root):
            sub.mkdir(exist_ok=True)
            os.chown(sub, uid, gid)
        (self.folder / "run").mkdir(exist_ok=True)
        (self.folder / "state").mkdir(exist_ok=True)
        passwd = self.folder / "users"
        passwd.write_text("".join(f"{self.address(name)}:{{PLAIN}}{secret}::::::\n"
                                  for name, secret in self.users.items()))
        protocols = "imap lmtp" if self.lmtp_port else "imap"
        lmtp_listener = (f"  inet_listener lmtp {{\n    address = {HOST}\n    port = {self.lmtp_port}\n  }}\n"
                         if self.lmtp_port else "")
        self.config_path.write_text(f"""\
# Written by tests/servers.py for one test session; nothing here is read from /etc/dovecot.
protocols = {protocols}
listen = {HOST}
instance_name = mailbot-test-{self.port}
base_dir = {self.folder}/run
state_dir = {self.folder}/state
log_path = {self.log_path}
info_log_path = {self.log_path}
{self._ssl_settings()}
disable_plaintext_auth = no
auth_mechanisms = plain login{" xoauth2 oauthbearer" if self.oauth2_introspection_url else ""}
# A failed login otherwise delays its reply by 2 s and, through anvil's penalty (switched off
# below), every later login from the same address: all tests share 127.0.0.1, so one test of a
# wrong password would slow every test after it.
auth_failure_delay = 0
first_valid_uid = {uid}
last_valid_uid = {uid}
{self._oauth2_passdbs()}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%Lu {passwd}
  # Passwords are for PLAIN/LOGIN only (the harness's own helpers): XOAUTH2 hands its token to
  # the passdb as a password, so without this a password would pass for a token. "none" keeps
  # the lookups that authenticate nobody (LMTP's user lookup for the static userdb).
  mechanisms = plain login none
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={self.home_root}/%Lu
}}
mail_location = maildir:{self.mail_root}/%Lu
# "/" as the hierarchy separator, as Exchange presents folders ("Inbox/Processed").
namespace inbox {{
  inbox = yes
  separator = /
}}
# Tests make thousands of messages; a crash-safe disk is not what they test.
mail_fsync = never
# IDLE is on by default. Dovecot learns of new mail through inotify; where a sandbox has no
# inotify it falls back to polling, every second here rather than every 30 s, so "seen under
# IDLE within 2 s" holds either way.
mailbox_idle_check_interval = 1 secs
service imap-login {{
  inet_listener imap {{
    address = {HOST}
    port = {self.port}
  }}
  inet_listener imaps {{
    address = {HOST}
    port = {self.imaps_port or 0}
  }}
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service lmtp {{
{lmtp_listener}}}
{self._auth_listener()}""")

    def _oauth2_passdbs(self) -> str:
        if not self.oauth2_introspection_url:
            return ""
        imap_args = self._write_oauth2_config("dovecot-oauth2-imap.conf.ext", self.oauth2_scope)
        other_args = self._write_oauth2_config("dovecot-oauth2.conf.ext", self.oauth2_submission_scope)
        # Dovecot 2.3 has one oauth2 "scope" per passdb and no per-service passdb setting, but a
        # passdb inside "protocol imap" applies to IMAP only (and is tried before the global
        # ones). return-fail stops a refused IMAP token from falling through to the global
        # passdb, which checks the submission role instead.
        return f"""\
protocol imap {{
  passdb {{
    driver = oauth2
    mechanisms = xoauth2 oauthbearer
    args = {imap_args}
    result_failure = return-fail
    result_internalfail = return-fail
  }}
}}
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {other_args}
}}
"""

    def _write_oauth2_config(self, name: str, scope: str | None) -> Path:
        path = self.folder / name
        # active_attribute/active_value: an introspection answer of {"active": false} is refused.
        # username_attribute: the mailbox the token may open must be the login name.
        path.write_text(f"""\
introspection_mode = post
introspection_url = {self.oauth2_introspection_url}
username_attribute = username
active_attribute = active
active_value = true
timeout_msecs = 5000
{f"scope = {scope}" if scope else ""}
""")
        return path

    def _auth_listener(self) -> str:
        if not self.auth_port:
            return ""
        # Postfix's smtpd asks Dovecot's SASL service over TCP (smtpd_sasl_path = inet:host:port):
        # a unix socket would need its owner and mode arranged for the postfix account, a
        # loopback port needs nothing, and the two servers may then live in different folders.
        return f"""\
service auth {{
  inet_listener auth-inet {{
    address = {HOST}
    port = {self.auth_port}
  }}
}}
"""

    def _ports(self) -> list[int]:
        return [self.port] + [p for p in (self.lmtp_port, self.imaps_port, self.auth_port) if p]

    def _ssl_settings(self) -> str:
        if self.tls is None:
            return "ssl = no"
        # "yes", not "required": the harness's own helpers still log in without TLS on loopback.
        return f"ssl = yes\nssl_cert = <{self.tls.cert}\nssl_key = <{self.tls.key}"

    # -- lifetime ----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 15) -> None:
        if self.running:
            return
        with open(self.folder / "dovecot.stderr", "ab") as stderr:
            # Its own session and process group, so that stop() can reach every Dovecot process.
            self._process = subprocess.Popen(_dying_with_us(["dovecot", "-F", "-c", str(self.config_path)]),
                                             stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr,
                                             start_new_session=True)
        ports = self._ports()

        def ready() -> bool:
            if self._process.poll() is not None:
                raise RuntimeError(f"dovecot exited with {self._process.returncode}:\n{self.log()}")
            if not all(port_open(p) for p in ports):
                return False
            # Listening is not serving: the auth process may not be up yet. A real login is the
            # test a client would make, so a test never meets a server that refuses its first one.
            try:
                with self.client(next(iter(self.users)), timeout=2):
                    return True
            except Exception:
                return False

        try:
            wait_until(ready, timeout, what="dovecot to accept a login")
        except BaseException:
            self.stop()
            raise

    def stop(self, timeout: float = 10) -> None:
        """Stop as a shutdown would: every IMAP session ends and the ports close."""
        process, self._process = self._process, None
        if process is None:
            return
        group = process.pid  # start_new_session made the master the leader of its own group
        # SIGTERM to the whole group, not only the master: despite shutdown_clients = yes, imap
        # processes serving a connected client outlive the master (seen with 2.3.19), so a client
        # would never notice the restart; and a lone master takes over a second to wind down.
        try:
            os.killpg(group, signal.SIGTERM)
            process.wait(timeout)  # reaped first: a zombie master would keep the group "alive"
            wait_until(lambda: not _group_alive(group), timeout, what="dovecot processes to exit")
        except ProcessLookupError:
            pass
        except (TimeoutError, subprocess.TimeoutExpired):
            os.killpg(group, signal.SIGKILL)
            process.wait()
        ports = self._ports()
        wait_until(lambda: not any(port_open(p) for p in ports), timeout, what="dovecot ports to close")

    def restart(self) -> None:
        self.stop()
        self.start()

    def kick(self, user: str) -> None:
        """End every IMAP session of ``user`` now, as Exchange drops a session whose token has
        expired or been revoked; the client sees its connection close (an IDLE included)."""
        result = subprocess.run(["doveadm", "-c", str(self.config_path), "kick", self.address(user)],
                                capture_output=True, text=True, stdin=subprocess.DEVNULL)
        # doveadm kick exits 68 (EX_NOUSER) when the user has no session: nothing to end.
        if result.returncode not in (0, 68):
            raise RuntimeError(f"doveadm kick failed ({result.returncode}): {result.stderr.strip()}")

    def reset(self) -> None:
        """Empty every mailbox (between tests), and make sure the server is running.

        The server is stopped first: an imap process whose client just logged out may still be
        writing its index files, and would race the removal ("Directory not empty")."""
        self.stop()
        for root in (self.mail_root, self.home_root):
            for child in root.iterdir():
                shutil.rmtree(child)
        self.start()

    def log(self) -> str:
        parts = [p.read_text(errors="replace") for p in (self.log_path, self.folder / "dovecot.stderr")
                 if p.exists()]
        return "".join(parts)

    # -- IMAP helpers (each opens and closes its own connection) -------------------------------

    def client(self, user: str, timeout: float = 10) -> IMAPClient:
        """A logged-in IMAPClient; use it as a context manager so it logs out."""
        imap = IMAPClient(self.host, port=self.port, ssl=False, timeout=timeout)
        imap.login(self.address(user), self.password(user))
        return imap

    def append(self, user: str, folder: str, raw: bytes, flags: tuple = ()) -> int | None:
        """APPEND a message, creating the folder if missing; returns its UID."""
        with self.client(user) as imap:
            if not imap.folder_exists(folder):
                imap.create_folder(folder)
            reply = imap.append(folder, raw, flags=flags)
        found = re.search(rb"APPENDUID \d+ (\d+)", reply if isinstance(reply, bytes) else reply.encode())
        return int(found.group(1)) if found else None

    def messages(self, user: str, folder: str = "INBOX") -> list[bytes]:
        """Every message in a folder, raw, in UID order, read without setting \\Seen."""
        with self.client(user) as imap:
            if not imap.folder_exists(folder):
                return []
            imap.select_folder(folder, readonly=True)
            uids = sorted(imap.search("ALL"))
            fetched = imap.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
        return [fetched[uid][b"BODY[]"] for uid in uids]

    def folders(self, user: str) -> list[str]:
        with self.client(user) as imap:
            return sorted(name for _flags, _sep, name in imap.list_folders())

    def wait_for_messages(self, user: str, folder: str = "INBOX", count: int = 1,
                          timeout: float = 15) -> list[bytes]:
        """Poll until a folder holds at least ``count`` messages (delivery may be asynchronous)."""
        def enough() -> list[bytes] | None:
            found = self.messages(user, folder)
            return found if len(found) >= count else None

        return wait_until(enough, timeout, interval=0.2, what=f"{count} message(s) in {self.address(user)} {folder}")


# -- SMTP listener --------------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    login: str | None = None


@dataclass
class _Refusal:
    reply: str
    stage: str
    remaining: int | None  # None: refuse until told otherwise


class SmtpRecorder:
    """aiosmtpd handler: keeps what it accepts and refuses on request, so tests can check retries.

    A refusal counts once per transaction, at the chosen stage (MAIL, RCPT or DATA). A 421 reply
    is followed by closing the connection, as RFC 5321 §3.8 asks of a server that gives it.
    """

    STAGES = ("MAIL", "RCPT", "DATA")

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refused: list[str] = []  # the reply given to each refused transaction
        self.attempts = 0  # transactions started (MAIL FROM commands seen)
        self._refusal: _Refusal | None = None
        self._lock = threading.Lock()

    def refuse_next(self, count: int = 1, reply: str = "421 4.3.2 Service not available",
                    stage: str = "MAIL") -> None:
        assert stage in self.STAGES, stage
        with self._lock:
            self._refusal = _Refusal(reply, stage, count)

    def refuse_always(self, reply: str = "550 5.7.1 Message refused", stage: str = "RCPT") -> None:
        assert stage in self.STAGES, stage
        with self._lock:
            self._refusal = _Refusal(reply, stage, None)

    def accept(self) -> None:
        with self._lock:
            self._refusal = None

    def _refusal_for(self, server, stage: str) -> str | None:
        with self._lock:
            refusal = self._refusal
            if refusal is None or refusal.stage != stage:
                return None
            if refusal.remaining is not None:
                refusal.remaining -= 1
                if refusal.remaining <= 0:
                    self._refusal = None
            self.refused.append(refusal.reply)
        if refusal.reply.startswith("421"):
            # Closing is scheduled, so the 421 itself is written first.
            server.loop.call_soon(server.transport.close)
        return refusal.reply

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.attempts += 1
        refused = self._refusal_for(server, "MAIL")
        if refused:
            return refused
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refused = self._refusal_for(server, "RCPT")
        if refused:
            return refused
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        refused = self._refusal_for(server, "DATA")
        if refused:
            return refused
        login = getattr(session.auth_data, "login", None)
        login = login.decode() if isinstance(login, bytes) else login
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                      envelope.original_content, login))
        return "250 2.0.0 OK queued"


EXCHANGE_SMTP_AUTH_DISABLED = ("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled "
                               "for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information.")


@dataclass
class _TokenLogin:
    """What a successful XOAUTH2 exchange leaves in ``session.auth_data`` (``.login`` as for PLAIN)."""

    login: str
    token: str


class XOAuth2Recorder(SmtpRecorder):
    """SmtpRecorder that also offers AUTH XOAUTH2 (aiosmtpd calls a handler's ``auth_<MECH>``).

    ``check(token, user)`` returns None to accept, or the final reply to refuse with. A refusal
    goes as Exchange Online and Gmail do it (RFC 7628 §3.2.2 style): a 334 challenge carrying a
    base64 JSON error, then, after the client's empty line, the final reply.
    """

    def __init__(self, check) -> None:
        super().__init__()
        self.check = check
        # Not "auth_...": aiosmtpd takes every handler attribute so named for a SASL mechanism.
        self.token_logins: list[tuple[str, str | None]] = []  # (user, None or the refusal given)

    async def auth_XOAUTH2(self, server, args: list[str]):  # noqa: N802 - aiosmtpd's naming
        from aiosmtpd.smtp import MISSING, AuthResult

        if len(args) == 2:  # initial response on the AUTH line (SASL-IR, as clients send it)
            try:
                blob = base64.b64decode(args[1], validate=True)
            except (binascii.Error, ValueError):
                await server.push("501 5.5.2 Can't decode base64")
                return AuthResult(success=False, handled=True)
        else:
            blob = await server.challenge_auth("")
            if blob is MISSING:
                return AuthResult(success=False, handled=True)
        # "user=" USER ^A "auth=Bearer " TOKEN ^A ^A
        fields = dict(part.split("=", 1) for part in blob.decode("utf-8", "replace").split("\x01") if "=" in part)
        user, auth = fields.get("user", ""), fields.get("auth", "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else ""
        refusal = self.check(token, user) if user and token else "535 5.7.8 Malformed XOAUTH2 response"
        self.token_logins.append((user, refusal))
        if refusal is None:
            return AuthResult(success=True, auth_data=_TokenLogin(user, token))
        error = json.dumps({"status": "401", "schemes": "bearer", "scope": "https://outlook.office365.com/"})
        if await server.challenge_auth(error) is MISSING:  # the client answered "*"; 501 already sent
            return AuthResult(success=False, handled=True)
        return AuthResult(success=False, handled=False, message=refusal)  # handled=True would say nothing


class SmtpServer:
    """A real aiosmtpd server on 127.0.0.1; ``stop()``/``start()`` keep the port, so a client sees
    "connection refused" in between, like a relay that is down.

    With ``xoauth2=check`` it also offers AUTH XOAUTH2, as Exchange Online's smtp.office365.com
    does: ``check(token, user)`` returns None to accept or the reply to refuse with, e.g.
    EXCHANGE_SMTP_AUTH_DISABLED."""

    def __init__(self, users: dict[str, str] | None = None, tls: Certificate | None = None,
                 implicit_tls: bool = False, xoauth2=None) -> None:
        self.host = HOST
        self.port = free_port()
        # With a certificate: STARTTLS offered (and required), or TLS from the first byte.
        self.tls = tls
        self.implicit_tls = implicit_tls
        self.handler = XOAuth2Recorder(xoauth2) if xoauth2 else SmtpRecorder()
        # Logins the server accepts (AUTH PLAIN/LOGIN without TLS: loopback only).
        self.users = dict(users or {"mailbot": "mailbot-secret"})
        self._controller = None

    # Shortcuts to the handler, so tests read server.received / server.refuse_next(...).
    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def refuse_next(self, *args, **kwargs) -> None:
        self.handler.refuse_next(*args, **kwargs)

    def refuse_always(self, *args, **kwargs) -> None:
        self.handler.refuse_always(*args, **kwargs)

    def accept(self) -> None:
        self.handler.accept()

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        login = auth_data.login.decode() if isinstance(auth_data.login, bytes) else auth_data.login
        password = auth_data.password.decode() if isinstance(auth_data.password, bytes) else auth_data.password
        return AuthResult(success=self.users.get(login) == password, auth_data=auth_data)

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        if self._controller is not None:
            return
        tls_options = {}
        if self.tls is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.tls.cert, self.tls.key)
            tls_options = ({"ssl_context": context} if self.implicit_tls
                           else {"tls_context": context, "require_starttls": True})
        self._controller = Controller(self.handler, hostname=self.host, port=self.port,
                                      authenticator=self._authenticate, auth_require_tls=False,
                                      auth_required=False, decode_data=False, **tls_options)
        # An AUTH XOAUTH2 line carries a whole JWT (1-2 KB from Entra); RFC 4954 lets AUTH lines
        # pass the 512-octet command limit, and Exchange takes them, so this server does too.
        from aiosmtpd.smtp import SMTP

        class LongAuthSMTP(SMTP):
            command_size_limit = 8192
            # aiosmtpd's per-command limits fall back to SMTP.command_size_limit, not the subclass's.
            command_size_limits = collections.defaultdict(lambda: 8192)
            line_length_limit = 8192

        controller = self._controller
        controller.factory = lambda: LongAuthSMTP(controller.handler, **controller.SMTP_kwargs)
        self._controller.start()

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def wait_for(self, count: int = 1, timeout: float = 10) -> list[Received]:
        return wait_until(lambda: self.received if len(self.received) >= count else None, timeout,
                          what=f"{count} message(s) at the SMTP server")


# -- Postfix ---------------------------------------------------------------------------------

# Only the services an SMTP-in, LMTP-out relay uses; no chroot, because the queue folder is a
# fresh temporary one without the copies of /etc files a chroot needs.
_MASTER_CF = """\
# service     type  private unpriv  chroot  wakeup  maxproc command
{listen} inet  n       -       n       -       -       smtpd
pickup        unix  n       -       n       60      1       pickup
cleanup       unix  n       -       n       -       0       cleanup
qmgr          unix  n       -       n       300     1       qmgr
rewrite       unix  -       -       n       -       -       trivial-rewrite
bounce        unix  -       -       n       -       0       bounce
defer         unix  -       -       n       -       0       bounce
trace         unix  -       -       n       -       0       bounce
verify        unix  -       -       n       -       1       verify
flush         unix  n       -       n       1000?   0       flush
proxymap      unix  -       -       n       -       -       proxymap
showq         unix  n       -       n       -       -       showq
error         unix  -       -       n       -       -       error
retry         unix  -       -       n       -       -       error
discard       unix  -       -       n       -       -       discard
lmtp          unix  -       -       n       -       -       lmtp
anvil         unix  -       -       n       -       1       anvil
scache        unix  -       -       n       -       1       scache
postlog       unix-dgram n  -       n       -       1       postlogd
"""


class Postfix:
    """A real Postfix from a private config_directory and queue_directory, accepting SMTP on a
    loopback port for one domain and delivering all of it to Dovecot over LMTP."""

    def __init__(self, folder: Path, lmtp_host: str, lmtp_port: int, domain: str = DOMAIN,
                 sasl_auth: tuple[str, int] | None = None) -> None:
        self.folder = Path(folder)
        self.folder.chmod(0o755)
        # With sasl_auth=(host, port) of Dovecot's auth service: a submission listener on
        # ``submission_port`` that takes mail only after AUTH (XOAUTH2 included), checked by Dovecot.
        self.sasl_auth = sasl_auth
        self.submission_port = free_port() if sasl_auth else None
        self.config_dir = self.folder / "config"
        self.queue_dir = self.folder / "queue"
        self.data_dir = self.folder / "data"
        self.log_path = self.folder / "maillog"
        self.host = HOST
        self.port = free_port()
        self.domain = domain
        self._watchdog: subprocess.Popen | None = None
        for sub in (self.config_dir, self.queue_dir):
            sub.mkdir(exist_ok=True)
        # data_directory must belong to the mail owner; postfix check creates the queue folders.
        self.data_dir.mkdir(exist_ok=True)
        shutil.chown(self.data_dir, "postfix", "postfix")
        (self.config_dir / "master.cf").write_text(_MASTER_CF.format(listen=f"{HOST}:{self.port}")
                                                   + self._submission_service())
        (self.config_dir / "main.cf").write_text(f"""\
# Written by tests/servers.py for one test session; nothing here is read from /etc/postfix.
compatibility_level = 3.6
queue_directory = {self.queue_dir}
data_directory = {self.data_dir}
# postfix-files and dynamicmaps.cf come from the package.
meta_directory = /etc/postfix
maillog_file = {self.log_path}
# Postfix writes its log only under these prefixes (default /var and /dev/stdout) and otherwise
# refuses to start, silently.
maillog_file_prefixes = {self.folder}
myhostname = mx.{domain}
mydomain = {domain}
myorigin = $mydomain
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
virtual_mailbox_domains = {domain}
virtual_transport = lmtp:inet:{lmtp_host}:{lmtp_port}
# Nothing may leave loopback: any other destination is refused, not relayed or queued.
smtpd_relay_restrictions = reject_unauth_destination
default_transport = error:5.7.1 test Postfix delivers only to {domain}
relay_transport = $default_transport
smtputf8_enable = no
biff = no
append_dot_mydomain = no
smtpd_banner = $myhostname ESMTP test
smtpd_peername_lookup = no
# Retry quickly after Dovecot was down, instead of after the default 5 minutes.
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
""")

    def _submission_service(self) -> str:
        if not self.sasl_auth:
            return ""
        host, port = self.sasl_auth
        # No TLS: client and server share loopback, where nothing can listen in, and mailbot's
        # TLS is tested elsewhere (test_tls.py). Postfix offers AUTH without TLS because
        # smtpd_tls_auth_only is off by default; Dovecot is told the same by disable_plaintext_auth.
        options = {"syslog_name": "postfix/submission", "smtpd_sasl_auth_enable": "yes",
                   "smtpd_sasl_type": "dovecot", "smtpd_sasl_path": f"inet:{host}:{port}",
                   "smtpd_client_restrictions": "permit_sasl_authenticated,reject",
                   "smtpd_relay_restrictions": "permit_sasl_authenticated,reject",
                   # One SMTP session per smtpd process. A process keeps its connection to
                   # Dovecot's auth service between sessions; after Dovecot restarts (every
                   # test's reset) the next AUTH through it would fail once with "454 4.7.0
                   # Connection lost to authentication server".
                   "max_use": "1"}
        return f"{HOST}:{self.submission_port} inet n - n - - smtpd\n" + "".join(
            f"  -o {name}={value}\n" for name, value in options.items())

    def _postfix(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(["postfix", "-c", str(self.config_dir), *args], capture_output=True,
                              text=True, check=check, stdin=subprocess.DEVNULL)

    def _master_pid(self) -> int | None:
        try:
            pid = int((self.queue_dir / "pid" / "master.pid").read_text().split()[0])
            # The daemonized master is re-parented to init; until init reaps it, an exited master
            # lingers as a zombie, which os.kill(pid, 0) would call alive.
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, ValueError, IndexError):
            return None
        return None if state in ("Z", "X") else pid

    def start(self, timeout: float = 20) -> None:
        if self._master_pid():
            return
        try:
            self._postfix("start")
        except subprocess.CalledProcessError as error:
            raise RuntimeError(f"postfix start failed:\n{error.stdout}{error.stderr}\n{self.log()}") from None
        try:
            # Only the plain port is probed: the master opens every listener at once, and a probe
            # of the submission port would start an smtpd that connects to Dovecot's auth
            # service; if Dovecot is restarting just then (a fixture's reset), that smtpd dies
            # ("no SASL authentication mechanisms") and the master throttles the service for 60 s.
            wait_until(lambda: port_open(self.port), timeout, what="postfix to listen")
        except BaseException:
            self.stop()
            raise
        # Postfix's master daemonizes, so it cannot die with the test process the way Dovecot
        # does; a watchdog shell that does (and stops Postfix when it gets SIGTERM) stands in.
        script = 'trap \'postfix -c "$0" stop >/dev/null 2>&1; exit 0\' TERM; while :; do sleep 1; done'
        self._watchdog = subprocess.Popen(
            _dying_with_us(["sh", "-c", script, str(self.config_dir)]),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)

    def stop(self, timeout: float = 10) -> None:
        watchdog, self._watchdog = self._watchdog, None
        if watchdog is not None:
            watchdog.kill()  # SIGKILL: its trap would stop Postfix, which is done below anyway
            watchdog.wait()
        pid = self._master_pid()
        if pid is None:
            return
        self._postfix("stop", check=False)  # failure shows as the master still running, below
        try:
            wait_until(lambda: self._master_pid() is None, timeout, what="postfix to stop")
        except TimeoutError:
            # "abort" would need a running master to talk to; a stuck one is killed outright.
            os.kill(pid, signal.SIGKILL)

    def purge(self) -> None:
        """Delete every queued message (between tests)."""
        subprocess.run(["postsuper", "-c", str(self.config_dir), "-d", "ALL"], capture_output=True,
                       check=True, stdin=subprocess.DEVNULL)

    def flush(self) -> None:
        """Ask the queue manager to retry deferred mail now."""
        self._postfix("flush", check=False)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
