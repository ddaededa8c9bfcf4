"""Open the database and bring its schema up to date.

SQLite is the embedded default, opened in WAL mode so that a reader (``mailbot alerts``) never
blocks the daemon's writes; PostgreSQL is for production. The schema is created and changed only
by the Alembic migrations beside this file; every command upgrades a fresh database itself.

The SQLite file holds every message received, so it is created private (0600, in a folder
created 0700) whatever the process umask; SQLite gives its -wal and -shm files the mode of the
database file. ``private_mode_problem`` is the check the CLI makes before it opens a store.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

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
