"""The sweep selects in SQL (issue 13): each alert carries the next instant anything can be due
for it (a reminder, a lapse, a cap breach), indexed, so the deadline sweep loads only the alerts
whose instant has come instead of every live alert.

NULL means "not computed yet": the next sweep computes it (the calendar and ladders are in the
configuration, which a migration does not read). Existing alerts start NULL.

Revision ID: 0005
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_due_at", sa.DateTime(), nullable=True))
        batch_op.create_index("ix_alerts_next_due_at", ["next_due_at"])


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_next_due_at")
        batch_op.drop_column("next_due_at")
