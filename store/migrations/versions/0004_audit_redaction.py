"""Audit redaction: the one change the append-only audit trigger lets through (issue 9).

Retention and a right-to-erasure decision must be able to take personal data out of the audit
history (a detail that quotes a message, an address of an erased person), yet no code path may
rewrite history. So the triggers of 0001 are narrowed, not removed: an UPDATE of an audit event
is allowed only when it replaces ``detail`` and/or ``actor`` with the fixed marker ``[removed]``
and leaves every other column as it was. Anything else (another text, un-redacting a marker,
changing the time, the action, the alert or the message) and every DELETE are still refused
with "audit events are append-only". What was removed, when and why is itself recorded as a
new, ordinary audit event.

The marker is written here as a literal on purpose: a migration describes the schema as it was
when written, and must not change if the application's constant ever does.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

MARKER = "[removed]"

_SQLITE_OLD_UPDATE = (
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
)
# SQLite's IS compares NULLs as equal, so the nullable columns need no special case.
_SQLITE_REDACTION_ONLY = (
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "WHEN NOT (NEW.id IS OLD.id AND NEW.at IS OLD.at AND NEW.alert_ref IS OLD.alert_ref "
    "AND NEW.message_id IS OLD.message_id AND NEW.action IS OLD.action "
    f"AND (NEW.detail IS OLD.detail OR NEW.detail = '{MARKER}') "
    f"AND (NEW.actor IS OLD.actor OR NEW.actor = '{MARKER}')) "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
)

_PG_OLD_FUNCTION = (
    "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$"
)
_PG_REDACTION_ONLY = (
    "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN\n"
    "  IF TG_OP = 'UPDATE'\n"
    "     AND NEW.id = OLD.id AND NEW.at IS NOT DISTINCT FROM OLD.at\n"
    "     AND NEW.alert_ref IS NOT DISTINCT FROM OLD.alert_ref\n"
    "     AND NEW.message_id IS NOT DISTINCT FROM OLD.message_id\n"
    "     AND NEW.action IS NOT DISTINCT FROM OLD.action\n"
    f"     AND (NEW.detail IS NOT DISTINCT FROM OLD.detail OR NEW.detail = '{MARKER}')\n"
    f"     AND (NEW.actor IS NOT DISTINCT FROM OLD.actor OR NEW.actor = '{MARKER}') THEN\n"
    "    RETURN NEW;\n"
    "  END IF;\n"
    "  RAISE EXCEPTION 'audit events are append-only';\n"
    "END $$"
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute(_SQLITE_REDACTION_ONLY)
    elif dialect == "postgresql":
        # The trigger of 0001 (BEFORE UPDATE OR DELETE, for each row) calls this function.
        op.execute(_PG_REDACTION_ONLY)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute(_SQLITE_OLD_UPDATE)
    elif dialect == "postgresql":
        op.execute(_PG_OLD_FUNCTION)
