"""What the governance actor publishes: each open proposal as a `Question`, each outcome
as a post. Both are also statuses of the `coop` account here, so local clients see them
in timelines and vote through the Mastodon API on the same poll.

Addressed to the Group's followers and to every member whose account lives on another
server (named in `to` and mentioned, which is what lets their server accept a post from
an actor they may not follow); `cc` Public, as Mastodon addresses an unlisted post.

Which proposals are published: every one voted by all members with an open ballot whose
options fit a fediverse poll: the stance kinds (agree / abstain / disagree / block) and
single-choice polls. Not published: secret ballots (a vote sent as a Note is readable by
both servers, so it cannot stay secret), jury decisions (jurors only), and ranked, score,
approval and dot-vote polls (a Question cannot carry them); those are voted on this
server's pages and API.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from server import events
from server.config import Config
from server.db import Conn
from server.federation import delivery
from server.federation.activitypub import serialize
from server.federation.uris import PUBLIC
from server.governance.charter.parameters import POLL_KIND
from server.governance.federation import actor, queries
from server.governance.proposals import queries as proposals_q
from server.governance.proposals.queries import Proposal
from server.ids import new_id
from server.jobs.context import JobContext
from server.polls import queries as polls_q
from server.polls import service as polls
from server.statuses import queries as statuses_q
from server.statuses.sanitize import sanitize_html

STANCES = ("agree", "abstain", "disagree", "block")
QUESTION_JOB = "governance.publish_question"
OUTCOME_JOB = "governance.publish_outcome"


def publishable(proposal: Proposal) -> bool:
    if proposal.secret_ballot or proposal.jury_draw_id is not None:
        return False
    return proposal.kind != POLL_KIND or proposal.motion.get("method") == "single_choice"


def options_of(proposal: Proposal) -> list[str]:
    if proposal.kind == POLL_KIND:
        return [str(o) for o in proposal.motion["options"]]
    return list(STANCES)


def proposal_html(proposal: Proposal, config: Config) -> str:
    from markdown_it import MarkdownIt  # 20 ms to import, for publishing only

    body = MarkdownIt("commonmark", {"html": False}).render(proposal.body) if proposal.body else ""
    page = config.url(f"/proposals/{proposal.id}")
    return sanitize_html(
        f"<p><strong>{html.escape(proposal.title)}</strong></p>{body}"
        f'<p><a href="{html.escape(page)}">{html.escape(page)}</a></p>')


def _audience(config: Config, members: list[dict[str, Any]]) -> dict[str, Any]:
    followers = f"{actor.uri(config)}/followers"
    return {
        "to": [followers, *(m["uri"] for m in members)],
        "cc": [PUBLIC],
        "tag": [{"type": "Mention", "href": m["uri"], "name": f"@{m['username']}@{m['domain']}"}
                for m in members],
    }


def question_doc(proposal: Proposal, *, config: Config, members: list[dict[str, Any]],
                 counts: list[int] | None, now: datetime) -> dict[str, Any]:
    """The proposal as a Mastodon-shaped `Question` (single choice: `oneOf`)."""
    assert proposal.opens_at is not None and proposal.closes_at is not None
    options = options_of(proposal)
    shown = counts if counts is not None else [0] * len(options)
    doc: dict[str, Any] = {
        "id": actor.proposal_uri(config, proposal.id),
        "type": "Question",
        "attributedTo": actor.uri(config),
        "summary": None,
        "content": proposal_html(proposal, config),
        "url": config.url(f"/proposals/{proposal.id}"),
        "published": serialize.iso(proposal.opens_at),
        "sensitive": False,
        **_audience(config, members),
        "endTime": serialize.iso(proposal.closes_at),
        "oneOf": [{"type": "Note", "name": name,
                   "replies": {"type": "Collection", "totalItems": n}}
                  for name, n in zip(options, shown, strict=True)],
        "votersCount": sum(shown),
    }
    if proposal.closed_at is not None or now >= proposal.closes_at:
        doc["closed"] = serialize.iso(proposal.closed_at or proposal.closes_at)
    return doc


def outcome_html(proposal: Proposal, config: Config, log_seq: int | None = None) -> str:
    """A closed proposal's outcome: its status, the counts, and where the log records it."""
    tally = proposal.tally or {}
    counts = tally.get("counts") if isinstance(tally.get("counts"), dict) else {}
    shown = " · ".join(f"{html.escape(str(k))} {v}" for k, v in counts.items())
    log_url = config.url("/governance/log" + (f"?before={log_seq + 1}" if log_seq else ""))
    return sanitize_html(
        f"<p><strong>{html.escape(proposal.title)}</strong>: "
        f"{html.escape(proposal.status)} ({html.escape(proposal.outcome or '')})</p>"
        f"<p>{shown} — {tally.get('cast', 0)} of {tally.get('eligible', 0)} voted</p>"
        f'<p>Decision log: <a href="{html.escape(log_url)}">{html.escape(log_url)}</a></p>')


def outcome_doc(proposal: Proposal, *, config: Config, members: list[dict[str, Any]],
                log_seq: int | None) -> dict[str, Any]:
    assert proposal.closed_at is not None
    return {
        "id": actor.outcome_uri(config, proposal.id),
        "type": "Note",
        "attributedTo": actor.uri(config),
        "inReplyTo": actor.proposal_uri(config, proposal.id),
        "content": outcome_html(proposal, config, log_seq),
        "url": config.url(f"/proposals/{proposal.id}"),
        "published": serialize.iso(proposal.closed_at),
        "sensitive": False,
        **_audience(config, members),
    }


def create_of(obj: dict[str, Any]) -> dict[str, Any]:
    return serialize.with_context({
        "id": f"{obj['id']}/activity", "type": "Create", "actor": obj["attributedTo"],
        "published": obj["published"], "to": obj["to"], "cc": obj["cc"], "object": obj,
    }, serialize.NOTE_CONTEXT)


async def poll_counts(conn: Conn, proposal: Proposal) -> list[int] | None:
    """Counts to show on the Question; None while the charter hides results."""
    poll_id = await polls_q.get_poll_by_proposal(conn, proposal_id=proposal.id)
    if poll_id is None or (proposal.results_hidden and proposal.status == "open"):
        return None
    by_choice = await polls_q.count_votes(conn, poll_id=poll_id)
    return [by_choice.get(i, 0) for i in range(len(options_of(proposal)))]


async def _inboxes(conn: Conn, coop_id: int, members: list[dict[str, Any]]) -> list[str]:
    followers = await queries.list_follower_inboxes(conn, account_id=coop_id)
    return sorted({*followers, *(m["inbox"] for m in members if m["inbox"])})


async def _local_status(conn: Conn, *, config: Config, coop_id: int, uri: str, content: str,
                        proposal: Proposal, now: datetime,
                        reply_to: int | None = None) -> int | None:
    status_id = new_id()
    made = await statuses_q.insert_status(conn, statuses_q.NewStatus(
        id=status_id, account_id=coop_id, uri=uri, url=config.url(f"/proposals/{proposal.id}"),
        local=True, content=content, visibility="unlisted", created_at=now,
        in_reply_to_id=reply_to, in_reply_to_account_id=coop_id if reply_to else None,
        in_reply_to_uri=actor.proposal_uri(config, proposal.id) if reply_to else None,
        conversation_id=reply_to or status_id), now=now)
    if made is None:
        return None     # published before: this job is running again
    await events.emit(conn, "status.created", {"status_id": status_id}, now=now)
    return status_id


async def publish_question(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Job of `proposal.opened`."""
    now, config = ctx.clock.now(), ctx.config
    async with ctx.db.transaction() as conn:
        proposal = await proposals_q.get_proposal(conn, proposal_id=int(payload["proposal_id"]))
        if proposal is None or proposal.status != "open" or not publishable(proposal):
            return
        assert proposal.closes_at is not None
        coop = await actor.ensure_coop_account(conn, config=config, now=now)
        status_id = await _local_status(conn, config=config, coop_id=coop.id,
                                        uri=actor.proposal_uri(config, proposal.id),
                                        content=proposal_html(proposal, config),
                                        proposal=proposal, now=now)
        if status_id is None:
            return
        options = options_of(proposal)
        poll_id = new_id()
        await statuses_q.insert_poll(conn, poll_id=poll_id, status_id=status_id,
                                     account_id=coop.id, options=options, multiple=False,
                                     hide_totals=proposal.results_hidden,
                                     expires_at=proposal.closes_at, now=now)
        await polls_q.set_poll_proposal(conn, poll_id=poll_id, proposal_id=proposal.id)
        await polls.schedule_expiry(conn, poll_id=poll_id, expires_at=proposal.closes_at, now=now)
        members = await queries.list_remote_members(conn)
        doc = question_doc(proposal, config=config, members=members, counts=None, now=now)
        await delivery.enqueue_deliveries(conn, actor_id=coop.id, activity=create_of(doc),
                                          inboxes=await _inboxes(conn, coop.id, members), now=now)


async def publish_outcome(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Job of `proposal.closed`: the outcome as a post by the Group, replying to the
    Question."""
    now, config = ctx.clock.now(), ctx.config
    async with ctx.db.transaction() as conn:
        proposal = await proposals_q.get_proposal(conn, proposal_id=int(payload["proposal_id"]))
        coop = await actor.get_coop_account(conn)
        question = await statuses_q.get_status_by_uri(
            conn, uri=actor.proposal_uri(config, int(payload["proposal_id"])))
        if proposal is None or coop is None or question is None or proposal.closed_at is None:
            return      # never published (not publishable, or closed before its job ran)
        poll_id = await polls_q.get_poll_by_proposal(conn, proposal_id=proposal.id)
        if poll_id is not None:
            await polls.expire_poll(conn, poll_id=poll_id, now=now)
        members = await queries.list_remote_members(conn)
        log_seq = int(payload["log_seq"]) if payload.get("log_seq") else None
        doc = outcome_doc(proposal, config=config, members=members, log_seq=log_seq)
        if await _local_status(conn, config=config, coop_id=coop.id, uri=doc["id"],
                               content=doc["content"], proposal=proposal, now=now,
                               reply_to=question.id) is None:
            return
        await delivery.enqueue_deliveries(conn, actor_id=coop.id, activity=create_of(doc),
                                          inboxes=await _inboxes(conn, coop.id, members), now=now)
