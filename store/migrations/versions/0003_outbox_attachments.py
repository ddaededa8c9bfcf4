"""Outbox attachments: the quarterly analysis goes out as a spreadsheet attached to its mail.

A JSON list of {filename, mime, base64} (None when the mail has none): one portable column on
SQLite and PostgreSQL, and a queued row still holds everything needed to send it again.

Revision ID: 0003
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attachments", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("attachments")
