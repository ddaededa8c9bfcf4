"""Open the database and bring its schema up to date.

SQLite is the embedded default, opened in WAL mode so that a reader (``mailbot alerts``) never
blocks the daemon's writes; PostgreSQL is for production. The schema is created and changed only
by the Alembic migrations beside this file; every command upgrades a fresh database itself.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from mailbot.errors import StoreError

MIGRATIONS = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///") and not url.endswith(":memory:"):
        path = Path(url[len("sqlite:///"):])
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"store.url: cannot create {path.parent}: {exc.strerror}") from None
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
