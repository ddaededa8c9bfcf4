"""Index inbound messages by sender and time (issue 13): each inbound batch counts the day's
messages from each of its senders for the rate limit, and without an index that count scanned
every message ever recorded, so the drain slowed as the store grew.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_messages_from_addr_received_at", "messages", ["from_addr", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_messages_from_addr_received_at", table_name="messages")
