"""The plainest remote posts, many at once: a post that replies to nothing and carries no
mentions, attachments, custom emoji, poll or quote, and is not a direct message, needs only
its row, its tags, its place in home feeds and lists and one stream event. For a batch of
such posts each of those is one statement (multi-row, from arrays) instead of one per post.

What it writes is what server/statuses/remote.store_remote_status writes for such a post;
anything richer goes through that function.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from server import events
from server.accounts import queries as accounts_q
from server.accounts.queries import Account
from server.db import Conn
from server.federation import vocabulary as v
from server.federation.activitypub.inbox import queries
from server.ids import new_id
from server.notifications import service as notifications
from server.statuses import remote
from server.statuses.sanitize import sanitize_plain
from server.streaming import publish
from server.timeline import queries as timeline_q


@dataclass(frozen=True, slots=True)
class Post:
    note: v.Note
    author: Account


def is_plain(note: v.Note, author: Account) -> bool:
    if note.in_reply_to or note.mentions or note.attachments or note.emojis \
            or note.poll is not None or note.quote_uri is not None:
        return False
    return _visibility(note, author) != "direct"


def _visibility(note: v.Note, author: Account) -> str:
    return remote.visibility_from_audience(to=note.to, cc=note.cc,
                                           followers_url=author.followers_url)


async def store_plain_posts(conn: Conn, *, posts: list[Post], now: datetime) -> list[bool]:
    """Store the posts in the caller's transaction; per post, whether it was stored (False:
    its URI was known already, or came earlier in the same list)."""
    rows = []
    for post in posts:
        note, summary = post.note, sanitize_plain(post.note.summary, limit=1000)
        rows.append(queries.PlainPost(
            id=new_id(), account_id=post.author.id, uri=note.uri, url=note.url or note.uri,
            content=remote.render_content(note), spoiler_text=summary,
            sensitive=note.sensitive or bool(note.summary.strip()), language=note.language,
            visibility=_visibility(note, post.author),
            created_at=min(note.published or now, now)))
    inserted = await queries.insert_plain_posts(conn, posts=rows, now=now)
    stored = [(row, post) for row, post in zip(rows, posts, strict=True) if row.id in inserted]
    if not stored:
        return [False] * len(posts)
    uses = [(row.id, name[:100]) for row, post in stored for name in post.note.hashtags]
    await queries.tag_posts(conn, uses=uses, ids=[new_id() for _ in uses], now=now)
    # Not on the session's one generic plan (timeline_q.plan_once), unlike a single post's
    # fan-out: for batches of several statuses the generic plan ran about 3.5 times slower
    # than the plans PostgreSQL chooses for the batch it is given (W2, pg_stat_statements).
    bells, lists = await timeline_q.fanout_statuses(conn, status_ids=[r.id for r, _ in stored],
                                                    now=now)
    payloads = []
    for row, post in stored:
        facts = {"visibility": row.visibility, "local": False, "reblog_of_id": None,
                 "reply_to_other": False, "has_media": False,
                 "tags": sorted({n[:100].lower() for n in post.note.hashtags})}
        streams = publish.public_streams(facts) + [f"list:{i}" for i in lists.get(row.id, [])]
        # The payload of publish.status_published, for all posts in one statement.
        payloads.append(json.dumps({"e": "update", "s": row.id, "t": streams, "h": True},
                                   separators=(",", ":")))
    await queries.notify_many(conn, channel=publish.CHANNEL, payloads=payloads)
    authors = {row.id: row.account_id for row, _ in stored}
    for status_id, follower_id in bells:  # followers who rang the bell (rare): one by one
        follower = await accounts_q.get_account(conn, account_id=follower_id)
        if follower is not None:
            await notifications.notify(conn, recipient=follower, sender_id=authors[status_id],
                                       type_="status", status_id=status_id, now=now)
    for row, _ in stored:
        await events.emit(conn, "status.received", {"status_id": row.id}, now=now)
    return [row.id in inserted for row in rows]
