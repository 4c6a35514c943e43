"""Every job kind and its handler, in one explicit table.

Kinds are `<area>.<verb>`. A handler takes the JobContext and the job's payload and opens
its own short transactions; it must be idempotent, because a job may run again after a
worker dies mid-way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

from server.jobs.context import JobContext

JobHandler = Callable[[JobContext, dict[str, Any]], Awaitable[None]]


def _builtin_handlers() -> dict[str, JobHandler]:
    from server.cards import service as cards
    from server.federation import delivery
    from server.federation.activitypub import process, process_batch, remote_actors, threads
    from server.federation.activitypub.unverified import service as unverified
    from server.federation.outbound import HANDLERS as outbound_handlers
    from server.governance.announcements import service as announcements
    from server.governance.juries import timers as jury_timers
    from server.governance.proposals import timers as governance_timers
    from server.governance.federation import publish as governance_publish
    from server.jobs import maintenance
    from server.jobs.batch import Batched
    from server.polls import federation as polls_federation
    from server.polls import service as polls
    from server.push import delivery as push_delivery
    from server.quotes import inbound as quotes_inbound
    from server.quotes import verify as quotes_verify
    from server.media import service as media_service
    from server.notifications import edits as notification_edits
    from server.statuses import scheduled
    from server.timeline import fanout
    from server.web import ratelimit

    return {
        "federation.deliver": delivery.deliver,
        "jobs.purge_failed": maintenance.purge_failed,
        "ratelimits.purge": ratelimit.purge_job,
        "timeline.trim_feeds": fanout.trim_feeds,
        "timeline.fanout_status": fanout.fanout_status,
        "timeline.status_deleted": fanout.status_deleted,
        "timeline.follow_created": fanout.follow_created,
        "timeline.follow_removed": fanout.follow_removed,
        "timeline.block_created": fanout.block_created,
        **governance_timers.HANDLERS,
        "federation.process_inbox_item": Batched(process.process_inbox_item,
                                                 process_batch.process_inbox_items,
                                                 per_slot=process_batch.JOBS_PER_SLOT),
        "federation.fetch_actor_counts": remote_actors.fetch_actor_counts,
        unverified.JOB_KIND: unverified.verify_inbox_item,
        **jury_timers.HANDLERS,
        **outbound_handlers,
        "federation.fetch_parent": threads.fetch_parent,
        quotes_inbound.VERIFY_JOB: quotes_verify.verify_quote,
        polls.EXPIRE_KIND: polls.expire_job,
        polls_federation.DELIVER_KIND: polls_federation.deliver_vote,
        governance_publish.QUESTION_JOB: governance_publish.publish_question,
        governance_publish.OUTCOME_JOB: governance_publish.publish_outcome,
        announcements.PUBLISH_JOB: announcements.publish_job,
        announcements.UNPUBLISH_JOB: announcements.unpublish_job,
        "media.process": media_service.process_pending,
        scheduled.JOB_KIND: scheduled.publish_scheduled,
        push_delivery.FAN_OUT_KIND: push_delivery.notification_created,
        push_delivery.DELIVER_KIND: push_delivery.deliver,
        cards.JOB_KIND: cards.fetch_card,
        notification_edits.JOB_KIND: notification_edits.status_edited,
    }


# Housekeeping kinds and how often each is queued (server/jobs/periodic.py).
PERIODIC: dict[str, timedelta] = {
    "jobs.purge_failed": timedelta(hours=6),
    "ratelimits.purge": timedelta(minutes=30),
    "timeline.trim_feeds": timedelta(hours=1),
}


def job_handlers(extra: Mapping[str, JobHandler] | None = None) -> dict[str, JobHandler]:
    handlers = _builtin_handlers()
    handlers.update(extra or {})
    return handlers
