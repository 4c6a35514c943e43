"""Writing and checking the decision log stored in PostgreSQL.

Every governance change appends its entry in the same transaction as the change itself,
so an entry exists exactly when the change was committed. Entries are built by
`chain.new_entry`; this module adds the lock that keeps the chain from forking.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import Any

from server.db import Conn
from server.governance.log import chain, queries

PAGE = 500


def timestamp(when: datetime) -> str:
    """The one way a time is written into a log body or an entry's recorded_at."""
    return when.astimezone(UTC).isoformat()


async def append_entry(conn: Conn, *, kind: str, body: Mapping[str, Any],
                       now: datetime) -> dict[str, Any]:
    """Append one entry and return it. Holds the log's append lock until the caller's
    transaction ends, so call it last in a transaction that does other work."""
    await queries.lock_log_for_append(conn)
    head = await queries.get_log_head(conn)
    after_seq, after_hash = head if head else (0, chain.GENESIS)
    entry = chain.new_entry(after_seq=after_seq, after_hash=after_hash, kind=kind,
                            recorded_at=timestamp(now), body=body)
    await queries.insert_log_entry(conn, entry)
    return entry


async def iter_entries(conn: Conn, *, after_seq: int = 0) -> AsyncIterator[dict[str, Any]]:
    """Every entry after `after_seq`, oldest first, read a page at a time."""
    while True:
        page = await queries.list_log_entries(conn, after_seq=after_seq, limit=PAGE)
        for entry in page:
            yield entry
        if len(page) < PAGE:
            return
        after_seq = page[-1]["seq"]


async def verify_log(conn: Conn) -> chain.ChainReport:
    """Recompute the whole chain from the stored entries; report the first broken one."""
    report = chain.verify_chain([])
    checked = 0
    batch: list[dict[str, Any]] = []
    async for entry in iter_entries(conn):
        batch.append(entry)
        if len(batch) == PAGE:
            report, checked = _verify_batch(batch, report, checked)
            if not report.ok:
                return report
            batch = []
    report, checked = _verify_batch(batch, report, checked)
    return report


def _verify_batch(batch: list[dict[str, Any]], head: chain.ChainReport,
                  checked: int) -> tuple[chain.ChainReport, int]:
    report = chain.verify_chain(batch, after_seq=head.head_seq, after_hash=head.head_hash)
    total = checked + report.checked
    # Report the count over the whole log, not only this batch.
    return dataclasses.replace(report, checked=total), total


def entry_json(entry: Mapping[str, Any]) -> dict[str, Any]:
    """An entry as published (API and export): exactly the fields the chain covers."""
    return {name: entry[name] for name in chain.ENTRY_FIELDS}


async def get_head(conn: Conn) -> dict[str, Any]:
    head = await queries.get_log_head(conn)
    seq, digest = head if head else (0, chain.GENESIS)
    return {"seq": seq, "hash": digest}


async def lock_head(conn: Conn) -> dict[str, Any]:
    """The head, with the append lock held until the transaction ends: nothing can be
    appended between reading it and acting on it (a jury draw seeds from it)."""
    await queries.lock_log_for_append(conn)
    return await get_head(conn)


async def get_entry(conn: Conn, *, seq: int) -> dict[str, Any] | None:
    found = await queries.list_log_entries(conn, after_seq=seq - 1, limit=1)
    return found[0] if found and found[0]["seq"] == seq else None


async def list_recent(conn: Conn, *, before_seq: int | None = None,
                      limit: int = 50) -> list[dict[str, Any]]:
    start = before_seq if before_seq is not None else 2**62
    return await queries.list_log_entries_desc(conn, before_seq=start, limit=limit)


async def list_after(conn: Conn, *, after_seq: int = 0, limit: int = 100) -> list[dict[str, Any]]:
    return await queries.list_log_entries(conn, after_seq=after_seq, limit=limit)
