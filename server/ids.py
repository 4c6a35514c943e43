"""Time-sortable 64-bit ids, sent to clients as strings (as Mastodon does).

The top 48 bits are milliseconds since the Unix epoch, the low 16 bits a sequence, so
ordering by id is ordering by creation time and `max_id` paging is an index scan.
"""

from __future__ import annotations

import secrets
import threading
import time
from datetime import datetime

_lock = threading.Lock()
_last_ms = 0
_seq = secrets.randbelow(1 << 16)


def new_id() -> int:
    """A fresh id for something made now; strictly increasing within this process."""
    global _last_ms, _seq
    ms = time.time_ns() // 1_000_000
    with _lock:
        if ms > _last_ms:
            _last_ms = ms
        else:
            _seq = (_seq + 1) & 0xFFFF
            if _seq == 0:
                _last_ms += 1  # borrow the next millisecond rather than repeat an id
        return (_last_ms << 16) | _seq


def id_for_time(when: datetime) -> int:
    """An id that sorts at `when` (remote posts keep their published time)."""
    return (int(when.timestamp() * 1000) << 16) | secrets.randbelow(1 << 16)


def id_at(when: datetime) -> int:
    """The smallest id that could have been made at `when` (for time-based paging)."""
    return int(when.timestamp() * 1000) << 16


MAX_ID = (1 << 63) - 1  # ids live in PostgreSQL bigint columns


def parse_id(text: str) -> int | None:
    """The id written in `text` (from a URL or a query string), or None when it cannot be one
    of ours: not plain digits, or beyond bigint (which the database would refuse)."""
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if value <= MAX_ID else None
