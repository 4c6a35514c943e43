"""`quote_approval` of a Status entity (Mastodon 4.5): who may quote a post (its policy,
statuses.quote_policy) and how that applies to the reader. For most posts the answer turns
only on whether the reader is signed in and whether they wrote it, so a status part keeps
three answers ready; a post whose policy names followers or followed accounts (and not the
public) is answered for a reader who neither follows nor is followed by its author, and
`relate` corrects that for the reader's own relations."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from server.db import Conn
from server.follows import queries as follows_q
from server.jsonio import dumpb
from server.statuses import quote_policy
from server.statuses.queries import Status

Approvals = tuple[bytes, bytes, bytes]
# One answer per kind of post (boost or not, visibility, policy): a few dozen at most, shared
# by every status part.
_KNOWN: dict[tuple[bool, str, int], Approvals] = {}
_READERS = ("anonymous", "author", "other")


def quote_approvals(status: Status) -> Approvals:
    """`,"quote_approval":{...}}` (closing the entity) for an anonymous reader, the author,
    and any other signed-in reader."""
    kind = (status.reblog_of_id is not None, status.visibility, status.quote_policy)
    found = _KNOWN.get(kind)
    if found is None:
        if len(_KNOWN) >= 1024:   # policies from elsewhere may combine rules in other ways
            _KNOWN.clear()
        found = _KNOWN[kind] = _approvals(*kind)
    return found


def _approvals(boost: bool, visibility: str, policy: int) -> Approvals:
    shown = {"automatic": quote_policy.keys(quote_policy.automatic(policy)),
             "manual": quote_policy.keys(quote_policy.manual(policy))}
    return tuple(  # type: ignore[return-value]
        b',"quote_approval":' + dumpb({**shown, "current_user": quote_policy.answer(
            policy, visibility=visibility, boost=boost, reader=reader)}) + b"}"
        for reader in _READERS)


def depends_on_reader(status: Status, viewer_id: int | None) -> bool:
    """Whether this reader's answer turns on who follows whom (see `relate`). The policy
    first: for almost every status that alone says no."""
    return (quote_policy.depends_on_relations(status.quote_policy)
            and viewer_id is not None and viewer_id != status.account_id
            and status.reblog_of_id is None and status.visibility != "direct")


async def relate(conn: Conn, entities: Iterable[dict[str, Any]], statuses: dict[int, Status], *,
                 viewer_id: int) -> None:
    """Sets `quote_approval.current_user` of these entities (and of the posts they boost)
    for the reader's relations with their authors, where that matters: one query for the
    whole page."""
    shown = [e["reblog"] or e for e in entities]
    needed = [(e, statuses[int(e["id"])]) for e in shown
              if int(e["id"]) in statuses and depends_on_reader(statuses[int(e["id"])], viewer_id)]
    if not needed:
        return
    authors = list({s.account_id for _, s in needed})
    following, followed_by = await follows_q.list_relations_with(conn, account_id=viewer_id,
                                                                 other_ids=authors)
    for entity, status in needed:
        entity["quote_approval"]["current_user"] = quote_policy.answer(
            status.quote_policy, visibility=status.visibility, boost=False, reader="other",
            follows_author=status.account_id in following,
            followed_by_author=status.account_id in followed_by)
