"""What every inbox handler receives and returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from server.config import Config
from server.db import Database
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


@dataclass(frozen=True)
class Outcome:
    state: str  # "processed" or "ignored"
    reason: str | None = None


PROCESSED = Outcome("processed")


def ignored(reason: str) -> Outcome:
    return Outcome("ignored", reason)
