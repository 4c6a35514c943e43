"""What every inbox handler receives and returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from server.config import Config
from server.db import Conn, Database
from server.federation.activitypub import queries as ap_q
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
