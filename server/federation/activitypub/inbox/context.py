"""What every inbox handler receives and returns."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from server.config import Config
from server.db import Conn, Database
from server.federation.activitypub import queries as ap_q
from server.federation.activitypub.inbox import queries as inbox_q
from server.federation.activitypub.queries import InboxItem
from server.jobs.context import JobContext

# The reason recorded for activity types whose handlers are not written yet.
NOT_HANDLED_YET = "not handled yet"


@dataclass(frozen=True)
class InboxContext:
    job: JobContext
    item: InboxItem

    @property
    def db(self) -> Database:
        return self.job.db

    @property
    def config(self) -> Config:
        return self.job.config

    def now(self) -> datetime:
        return self.job.clock.now()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Conn]:
        """The transaction that applies an activity and marks its item processed.

        Its COMMIT does not wait for the WAL flush (synchronous_commit off, for this
        transaction only). That is safe: the inbox item was stored, and answered 202, by a
        transaction of its own that did wait, so a commit lost to a crash leaves the item
        `received` and its job queued, and the activity is simply processed again. The job's
        row cannot be deleted durably first: that later commit waits for the WAL up to
        itself, which includes this one.

        A committed transaction leaves nothing on the connection for the pool's reset query
        to undo (SET LOCAL ends with it), so the release skips that round trip; when the body
        raises, the release resets as usual."""
        async with self.db.acquire_plain() as conn, conn.transaction():
            await inbox_q.commit_without_flush(conn)
            yield conn

    async def record_processed(self, conn: Conn) -> Outcome:
        """Mark the item processed in the handler's own transaction: atomic with what the
        activity changed, and a round trip fewer than marking it afterwards."""
        await ap_q.finish_inbox_item(conn, item_id=self.item.id, state="processed", error=None,
                                     now=self.now())
        return RECORDED


@dataclass(frozen=True)
class Outcome:
    state: str  # "processed" or "ignored"
    reason: str | None = None
    # The handler marked the item itself, in the transaction that applied the activity.
    recorded: bool = False


PROCESSED = Outcome("processed")
RECORDED = Outcome("processed", recorded=True)


def ignored(reason: str) -> Outcome:
    return Outcome("ignored", reason)
