"""The activities our members' actions become, shaped as Mastodon 4.x shapes them.

Pure functions, like activitypub/serialize.py (which makes the Notes, Creates, Announces
and actors these wrap). Ids follow Mastodon's patterns (`…#likes/ID`, `…#follows/ID/undo`,
`…/statuses/ID#delete`), so peers that log or de-duplicate by id see familiar shapes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from server.federation.activitypub.serialize import AS, iso, with_context
from server.federation.uris import PUBLIC

ATOM_CONTEXT: list[Any] = [AS, {"ostatus": "http://ostatus.org#", "atomUri": "ostatus:atomUri"}]


def _bare(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "@context"}


def undo(actor_uri: str, inner: Mapping[str, Any], *, undo_id: str | None = None,
         to: list[str] | None = None, cc: list[str] | None = None) -> dict[str, Any]:
    """Undo of an activity we sent before; its id is the inner one's with `/undo`."""
    obj = _bare(inner)
    doc: dict[str, Any] = {"id": undo_id or f"{obj.get('id') or actor_uri + '#unknown'}/undo",
                           "type": "Undo", "actor": actor_uri}
    if to is not None:
        doc["to"] = to
    if cc:
        doc["cc"] = cc
    doc["object"] = obj
    return with_context(doc)


def update_note(note: Mapping[str, Any], *, actor_uri: str, edited_at: datetime) -> dict[str, Any]:
    body = _bare(note)
    return with_context({
        "id": f"{body['id']}#updates/{int(edited_at.timestamp())}", "type": "Update",
        "actor": actor_uri, "published": iso(edited_at), "to": body["to"], "cc": body["cc"],
        "object": body}, note.get("@context", AS))


def quote_request(request_id: str, *, actor_uri: str, instrument: str | Mapping[str, Any],
                  quoted_uri: str) -> dict[str, Any]:
    """FEP-044f's QuoteRequest (no context: wrap it, or embed it in an answer); the quoting
    post named by id, or given whole (a Note document) to be inlined as Mastodon inlines it."""
    return {"id": request_id, "type": "QuoteRequest", "actor": actor_uri,
            "instrument": instrument if isinstance(instrument, str) else _bare(instrument),
            "object": quoted_uri}


def accept_quote_request(request: Mapping[str, Any], *, actor_uri: str, accept_id: str,
                         stamp_uri: str) -> dict[str, Any]:
    """The quoted author allows the quote; `result` is the authorisation stamp."""
    return with_context({"id": accept_id, "type": "Accept", "actor": actor_uri,
                         "object": dict(request), "result": stamp_uri})


def reject_quote_request(request: Mapping[str, Any], *, actor_uri: str,
                         reject_id: str) -> dict[str, Any]:
    return with_context({"id": reject_id, "type": "Reject", "actor": actor_uri,
                         "object": dict(request)})


def delete_quote_authorization(stamp_uri: str, *, actor_uri: str) -> dict[str, Any]:
    """The quoted author withdraws a stamp (FEP-044f): its Delete, naming it with its type."""
    return with_context({
        "id": f"{stamp_uri}#delete", "type": "Delete", "actor": actor_uri,
        "object": {"id": stamp_uri, "type": "QuoteAuthorization"}})


def delete_note(status_uri: str, *, actor_uri: str) -> dict[str, Any]:
    return with_context({
        "id": f"{status_uri}#delete", "type": "Delete", "actor": actor_uri, "to": [PUBLIC],
        "object": {"id": status_uri, "type": "Tombstone", "atomUri": status_uri}}, ATOM_CONTEXT)


def like(like_id: str, *, actor_uri: str, object_uri: str) -> dict[str, Any]:
    return with_context({"id": like_id, "type": "Like", "actor": actor_uri, "object": object_uri})


def follow(follow_id: str | None, *, actor_uri: str, object_uri: str) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": follow_id, "type": "Follow", "actor": actor_uri,
                           "object": object_uri}
    if follow_id is None:
        # A follow made before ids were kept; peers match an Undo by actor and object.
        doc.pop("id")
    return with_context(doc)


def _follow_key(follow_id: str | None, follower_uri: str) -> str:
    # Stable across a job's retries, different for each new Follow from the same account.
    return hashlib.sha256((follow_id or follower_uri).encode()).hexdigest()[:16]


def accept_follow(follow_id: str | None, *, follower_uri: str, target_uri: str) -> dict[str, Any]:
    return with_context({
        "id": f"{target_uri}#accepts/follows/{_follow_key(follow_id, follower_uri)}",
        "type": "Accept", "actor": target_uri,
        "object": _bare(follow(follow_id, actor_uri=follower_uri, object_uri=target_uri))})


def reject_follow(follow_id: str | None, *, follower_uri: str, target_uri: str) -> dict[str, Any]:
    return with_context({
        "id": f"{target_uri}#rejects/follows/{_follow_key(follow_id, follower_uri)}",
        "type": "Reject", "actor": target_uri,
        "object": _bare(follow(follow_id, actor_uri=follower_uri, object_uri=target_uri))})


def block(block_id: str | None, *, actor_uri: str, object_uri: str) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": block_id, "type": "Block", "actor": actor_uri,
                           "object": object_uri}
    if block_id is None:
        doc.pop("id")
    return with_context(doc)


def update_actor(actor: Mapping[str, Any], *, updated_at: datetime) -> dict[str, Any]:
    body = _bare(actor)
    return with_context({
        "id": f"{body['id']}#updates/{int(updated_at.timestamp())}", "type": "Update",
        "actor": body["id"], "to": [PUBLIC], "object": body}, actor["@context"])
