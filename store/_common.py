"""What the store's modules share (store.repository and its parts: inbound_batch, erasure,
bulk_import), kept apart so that none has to import another for it."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable

# "Nothing will ever be due" (a closed alert; a live one past its cap with no deadline running):
# a real instant the sweep's "next_due_at <= now" never reaches, so the index serves it too.
NEVER_DUE = datetime(9999, 12, 31, tzinfo=timezone.utc)


_IN = 500  # values per IN (...) list


def in_chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    """``values`` in lists of at most 500, one IN (...) each (SQLite's and drivers' limits)."""
    values = list(values)
    for start in range(0, len(values), _IN):
        yield values[start:start + _IN]
