"""Open the database and bring its schema up to date.

SQLite is the embedded default, opened in WAL mode so that a reader (``mailbot alerts``) never
blocks the daemon's writes; PostgreSQL is for production. The schema is created and changed only
by the Alembic migrations beside this file; every command upgrades a fresh database itself.

The SQLite file holds every message received, so it is created private (0600, in a folder
created 0700) whatever the process umask; SQLite gives its -wal and -shm files the mode of the
database file. ``private_mode_problem`` is the check the CLI makes before it opens a store.

Several instances (issue 13), PostgreSQL only. Many authorities share one database with a schema
each: the URL's ``search_path`` (written there by ``store.schema``) puts every table, the
migrations' own version table and the audit trigger's function in that schema, which is created
on first use. Two processes on one mailbox decide which of them watches it with ``MailboxLock``,
a session-level advisory lock held on a connection of its own: it goes when that connection
does, so a process that dies hands the mailbox over without anyone cleaning up after it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from mailbot.errors import StoreError
from mailbot.files import create_private_file, make_private_dir

MIGRATIONS = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# Read or write for group or others; execute alone on a folder (reach a known name) is harmless.
_SHARED = (("readable", stat.S_IRGRP, stat.S_IROTH), ("writable", stat.S_IWGRP, stat.S_IWOTH))


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL; None for PostgreSQL, an in-memory or a URI database."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:" \
            or parsed.query.get("uri"):
        return None
    return Path(parsed.database)


def private_mode_problem(path: Path) -> str | None:
    """Why ``path`` (a file or folder of the store) is not private, with the command that fixes
    it; None when only its owner can read and write it, or when it does not exist yet."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return None
    access = []
    for verb, group_bit, others_bit in _SHARED:
        who = [w for w, bit in (("group", group_bit), ("others", others_bit)) if mode & bit]
        if who:
            access.append(f"{verb} by {' and '.join(who)}")
    if not access:
        return None
    fix = f"chmod {'700' if path.is_dir() else '600'} {path}"
    return f"{path} is {', '.join(access)} (mode {mode:04o}); fix it with: {fix}"


def make_engine(url: str) -> Engine:
    path = sqlite_file(url)
    if path is not None:
        try:
            make_private_dir(path.parent)
            # An empty file (SQLite reads it as an empty database) made 0600 first, so that
            # SQLite, which would create it with the umask's mode, finds it made. An existing
            # store is not opened here at all: a read-only one must still open.
            with contextlib.suppress(FileExistsError):
                os.close(create_private_file(path, os.O_WRONLY))
        except OSError as exc:
            raise StoreError(f"store.url: cannot create {exc.filename or path}: {exc.strerror}") from None
    try:
        # hide_parameters: an error must never carry a message body into a log line.
        engine = create_engine(url, hide_parameters=True)
    except (SQLAlchemyError, ImportError) as exc:
        raise StoreError(f"store.url: cannot open {url.split('@')[-1]}: {exc}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _alembic_config(connection) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Run every pending migration; return (revision before, revision after)."""
    try:
        _create_schema(engine)
        before = current_revision(engine)
        if before != head_revision():
            with engine.begin() as conn:
                command.upgrade(_alembic_config(conn), "head")
        return before, head_revision()
    except OperationalError as exc:
        raise StoreError(f"store: cannot upgrade the database: {exc.orig}") from None


def open_store(url: str) -> sessionmaker[Session]:
    """An engine on ``url`` with its schema at the newest revision, as a session factory."""
    engine = make_engine(url)
    upgrade(engine)
    return sessionmaker(engine, expire_on_commit=False)


# ----------------------------------------------------------------------------- several instances

SCHEMA_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
_SEARCH_PATH = re.compile(r"-c\s*search_path\s*=\s*([^\s,]+)")


def schema_of(url: str) -> str | None:
    """The schema a PostgreSQL URL's ``options=-csearch_path=NAME`` puts everything in; None
    for SQLite or a URL without one (PostgreSQL's own default, ``public``)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "postgresql":
        return None
    options = parsed.query.get("options")
    found = _SEARCH_PATH.search(options if isinstance(options, str) else " ".join(options or ()))
    return found.group(1) if found else None


def with_schema(url: str, schema: str) -> str:
    """``url`` with every connection's search_path set to ``schema`` alone (libpq ``options``),
    so that no query of this process can reach another authority's tables by accident."""
    if not SCHEMA_NAME.fullmatch(schema):
        raise StoreError(f"store.schema: {schema!r} must be lower-case letters, digits or _, "
                         "starting with a letter (at most 63)")
    parsed = make_url(url)
    return parsed.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


def _create_schema(engine: Engine) -> None:
    schema = schema_of(engine.url.render_as_string(hide_password=False))
    if schema is None:
        return
    if not SCHEMA_NAME.fullmatch(schema):
        raise StoreError(f"store.url: the search_path {schema!r} is not a plain schema name")
    with engine.begin() as conn:
        # The name was checked above (letters, digits, _), so it is safe to write into the SQL.
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))


def advisory_key(name: str) -> int:
    """A signed 64-bit key for ``pg_try_advisory_lock``, the same in every process for ``name``."""
    digest = hashlib.sha256(f"mailbot mailbox {name.strip().lower()}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class MailboxLock:
    """Who watches one mailbox, among processes sharing one PostgreSQL store.

    A session-level advisory lock (``pg_try_advisory_lock``) on a connection opened for it alone,
    in autocommit (an idle transaction held for hours would be ended by a server's
    idle_in_transaction_session_timeout, and the lock with it). The lock lives exactly as long as
    that connection: a process killed outright loses it as soon as the server sees the socket
    close, and another process can take it. Not used on SQLite: one file, one machine, one process.
    """

    def __init__(self, engine: Engine, mailbox: str) -> None:
        # Its own engine without a pool: release() must really close the connection, never hand
        # a connection still holding the lock back to a pool.
        self._engine = create_engine(engine.url, poolclass=NullPool, hide_parameters=True,
                                     isolation_level="AUTOCOMMIT")
        self.key = advisory_key(mailbox)
        self._conn: Connection | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; True if this process holds it now."""
        if self._conn is not None:
            return self.still_held()
        conn = self._engine.connect()
        try:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar())
        except BaseException:
            conn.close()
            raise
        if got:
            self._conn = conn
        else:
            conn.close()  # nothing is held on it; a stand-by keeps no connection open
        return got

    def still_held(self) -> bool:
        """Whether the connection that holds the lock is still there (the lock goes with it)."""
        if self._conn is None:
            return False
        try:
            self._conn.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            self._drop()
            return False

    def release(self) -> None:
        if self._conn is None:
            return
        with contextlib.suppress(SQLAlchemyError):
            self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        self._drop()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(SQLAlchemyError):
                conn.close()  # closing the connection ends the session, and every lock of it

    def dispose(self) -> None:
        self.release()
        self._engine.dispose()
