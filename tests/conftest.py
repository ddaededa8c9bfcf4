"""Shared fixtures: the embedded configuration, a fresh store, and a real PostgreSQL server.

PostgreSQL is started for real (initdb + pg_ctl, as the postgres user, on a loopback port in a
temporary folder) once per test session, the way aiosmtpd's tests start a real server.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_finish(session: pytest.Session) -> None:
    # A run that collects nothing must fail loudly, never pass as "no tests ran".
    if not session.items and not session.config.option.collectonly:
        raise pytest.UsageError("no tests were collected: check the test paths and -k/-m filters")


@pytest.fixture
def root() -> Path:
    return ROOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.fail("PostgreSQL is not installed: run the tests with ./scripts/test, which installs it")
    return Path(found[-1]).parent


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A throwaway PostgreSQL server on 127.0.0.1, stopped at the end of the session."""
    binaries = _pg_bin()
    folder = Path(tempfile.mkdtemp(prefix="mailbot-pg-"))
    data = folder / "data"
    port = _free_port()
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        # initdb refuses to run as root; the Debian package creates the postgres user.
        shutil.chown(folder, "postgres", "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    run = lambda *args: subprocess.run(as_postgres + list(args), check=True, capture_output=True, text=True)  # noqa: E731
    run(str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
    run(str(binaries / "pg_ctl"), "-D", str(data), "-w", "-l", str(folder / "log"), "-o",
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(as_postgres + [str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def store_url(request, tmp_path: Path) -> str:
    """A store URL on each engine: a SQLite file, and (slow) the session's PostgreSQL emptied."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    from sqlalchemy import text

    from store.db import make_engine

    url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    with engine.begin() as conn:  # each test starts from an empty database
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
        conn.execute(text("DROP FUNCTION IF EXISTS audit_events_append_only() CASCADE"))
    engine.dispose()
    return url


# -- Real mail servers (tests/servers.py): Dovecot, an aiosmtpd listener, Postfix ----------------
#
# Dovecot and Postfix are started once per session (Postfix takes about 2 s to start, and Dovecot
# about 1 s to stop); the function-scoped fixtures give each test empty mailboxes and an empty
# queue instead. Every server stops in a finally block; Dovecot runs as a child of this process
# and also dies with it if the session is killed outright.

from servers import Dovecot, Postfix, SmtpServer


def _server_folder(prefix: str) -> Path:
    # Both servers switch to their own system accounts (dovecot, postfix) to handle mail, which
    # only root can arrange; ./scripts/test runs as root on the CI machine.
    if os.geteuid() != 0:
        pytest.fail("the Dovecot and Postfix fixtures must run as root")
    return Path(tempfile.mkdtemp(prefix=prefix))


def _remove_server_folder(folder: Path) -> None:
    # MAILBOT_KEEP_SERVERS=1 keeps configuration, mail and logs for a look after a failure.
    if os.environ.get("MAILBOT_KEEP_SERVERS"):
        print(f"\nkept server folder {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)


def _session_server(program: str, prefix: str, make):
    """Start a server made by ``make(folder)`` in a fresh folder; stop it and tidy up after."""
    if shutil.which(program) is None:
        pytest.fail(f"{program} is not installed: run the tests with ./scripts/test, which installs it")
    folder = _server_folder(prefix)
    server = make(folder)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        _remove_server_folder(folder)


@pytest.fixture(scope="session")
def dovecot_server():
    """The session's Dovecot (IMAP, and LMTP for Postfix); use the `dovecot` fixture in tests."""
    yield from _session_server("dovecot", "mailbot-dovecot-", Dovecot)


@pytest.fixture
def dovecot(dovecot_server):
    """A running Dovecot with every mailbox empty: .host, .port, .users, .address(user),
    .append/.messages/.folders/.wait_for_messages, .client(user), .stop/.start/.restart, .log()."""
    dovecot_server.reset()
    yield dovecot_server
    # A test that stopped the server leaves it for the next test's reset() to start again.


@pytest.fixture
def smtp_server():
    """A real aiosmtpd SMTP server on loopback recording what it accepts (.received) and able to
    refuse (.refuse_next(n, reply, stage), .refuse_always(reply, stage), .accept())."""
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postfix_server(dovecot_server):
    """The session's Postfix, delivering its domain into the session's Dovecot over LMTP."""
    yield from _session_server("postfix", "mailbot-postfix-",
                               lambda folder: Postfix(folder, dovecot_server.host, dovecot_server.lmtp_port))


@pytest.fixture
def postfix(postfix_server, dovecot_server):
    """A running Postfix with an empty queue, in front of a Dovecot with empty mailboxes:
    .host, .port, .stop(), .start(), .flush(), .log()."""
    postfix_server.start()
    # Empty the queue before the mailboxes, so mail a previous test left deferred cannot arrive
    # in this test's mailboxes.
    postfix_server.purge()
    dovecot_server.reset()
    yield postfix_server


@pytest.fixture(scope="session")
def tls_certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, made with openssl for this session."""
    from servers import make_certificate

    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def dovecot_tls(tls_certificate):
    """A second Dovecot offering STARTTLS on .port and implicit TLS on .imaps_port."""
    yield from _session_server("dovecot", "mailbot-dovecot-tls-",
                               lambda folder: Dovecot(folder, lmtp=False, tls=tls_certificate))


@pytest.fixture(params=["implicit", "starttls"])
def smtp_tls_server(request, tls_certificate):
    """An aiosmtpd server speaking TLS from the first byte, or requiring STARTTLS."""
    from servers import SmtpServer

    server = SmtpServer(tls=tls_certificate, implicit_tls=request.param == "implicit")
    server.start()
    try:
        yield server
    finally:
        server.stop()


# -- OAuth 2.0 (issue 11): a stand-in for Entra ID, and a Dovecot and Postfix that take its tokens --
#
# Separate from the servers above, so that nothing the password-based tests rely on changes. The
# issuer (tests/oauth_issuer.py) runs in this process; Dovecot checks each token by introspection
# against it, and Postfix's submission listener hands AUTH XOAUTH2 to that Dovecot's SASL service.


@pytest.fixture(scope="session")
def token_issuer_server(tls_certificate):
    """The session's TokenIssuer (stands in for Entra ID); use the `token_issuer` fixture in tests."""
    from oauth_issuer import TokenIssuer

    issuer = TokenIssuer(tls_certificate)
    issuer.start()
    try:
        yield issuer
    finally:
        issuer.stop()


@pytest.fixture
def token_issuer(token_issuer_server):
    """The issuer reset for this test (token service up, lifetime 3600 s, no tokens, empty
    .requests and .tokens_issued) with one registration: oauth_issuer.TEST_CLIENT_ID, secret
    TEST_CLIENT_SECRET, both Exchange roles, mailbox TEST_MAILBOX. Its HTTPS certificate is the
    `tls_certificate` fixture's. .authority, .token_endpoint, .introspection_url,
    .register_client/.add_secret/.revoke_secret/.expire_secret/.set_mailbox/.set_roles,
    .lifetime_seconds, .revoke_token/.revoke_all_tokens, .stop_token_service/.start_token_service."""
    from oauth_issuer import TEST_CLIENT_ID, TEST_CLIENT_SECRET, TEST_MAILBOX

    token_issuer_server.reset()
    token_issuer_server.register_client(TEST_CLIENT_ID, secrets=(TEST_CLIENT_SECRET,), mailbox=TEST_MAILBOX)
    yield token_issuer_server


@pytest.fixture(scope="session")
def dovecot_oauth_server(token_issuer_server):
    """The session's OAuth Dovecot; use the `dovecot_oauth` fixture in tests."""
    from oauth_issuer import IMAP_ROLE, SMTP_ROLE

    yield from _session_server("dovecot", "mailbot-dovecot-oauth-", lambda folder: Dovecot(
        folder, oauth2_introspection_url=token_issuer_server.introspection_url, oauth2_scope=IMAP_ROLE,
        oauth2_submission_scope=SMTP_ROLE, auth_inet=True))


@pytest.fixture
def dovecot_oauth(dovecot_oauth_server, token_issuer):
    """A Dovecot with empty mailboxes taking SASL XOAUTH2/OAUTHBEARER (tokens checked with the
    `token_issuer`, reset for this test; IMAP needs IMAP.AccessAsApp, other services
    SMTP.SendAsApp) as well as passwords (the usual helpers: .client/.append/.messages...);
    LMTP on .lmtp_port, SASL for Postfix on .auth_port, .kick(user) to end a user's sessions."""
    dovecot_oauth_server.reset()
    yield dovecot_oauth_server


@pytest.fixture(scope="session")
def postfix_oauth_server(dovecot_oauth_server):
    """The session's submission Postfix; use the `postfix_oauth` fixture in tests."""
    yield from _session_server("postfix", "mailbot-postfix-oauth-", lambda folder: Postfix(
        folder, dovecot_oauth_server.host, dovecot_oauth_server.lmtp_port,
        sasl_auth=(dovecot_oauth_server.host, dovecot_oauth_server.auth_port)))


@pytest.fixture
def postfix_oauth(postfix_oauth_server, dovecot_oauth_server, token_issuer):
    """A Postfix with an empty queue whose .submission_port takes mail only after AUTH (XOAUTH2
    checked by `dovecot_oauth`, SMTP.SendAsApp required) and delivers it into that Dovecot,
    whose mailboxes are emptied too. Plain SMTP on .port, as the `postfix` fixture."""
    postfix_oauth_server.start()
    postfix_oauth_server.purge()
    dovecot_oauth_server.reset()
    yield postfix_oauth_server
