"""What a draw publishes (the JSON document) and checking a stored draw against it and
against the decision log, for `commonhold verify-draw` and the draw page.

The document never carries the secret before the draw. Checking goes further than
`verify.check_document` by comparing the document with the hash-chained decision log: the
pool hash, parameters and commitment with the `jury.committed` entry, the secret, seed and
jurors with the `jury.drawn` entry, and the head used with the log entry at that seq. So a
pool, secret or head changed in the database after the fact is found even when whoever
changed it also changed the stored hashes to match.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from server.db import Conn
from server.governance.juries import queries, verify
from server.governance.juries.queries import Draw
from server.governance.juries.service import get_draw
from server.governance.log import service as log


def _time(value: Any) -> str | None:
    return log.timestamp(value) if value else None


async def draw_document(conn: Conn, *, draw_id: int) -> dict[str, Any]:
    """The public record of a draw: everything needed to re-run it, once it is drawn."""
    draw = await get_draw(conn, draw_id=draw_id)
    pool = await queries.list_pool(conn, draw_id=draw_id)
    seats = await queries.list_seats(conn, draw_id=draw_id)
    declines = await queries.list_declines(conn, draw_id=draw_id)
    drawn = draw.state != "committed"
    return {
        "id": str(draw.id), "purpose": draw.purpose, "state": draw.state,
        "charter_version": draw.charter_version, "params": draw.params,
        "pool": [{"id": p.member_id, "stratum": p.stratum} for p in pool],
        "pool_size": len(pool),
        "eligible": len([p for p in pool if p.member_id not in draw.params["exclude"]]),
        "pool_hash": draw.pool_hash, "commitment": draw.commitment,
        "commit_log_seq": draw.commit_log_seq, "committed_at": _time(draw.committed_at),
        "draw_at": _time(draw.draw_at), "drawn_at": _time(draw.drawn_at),
        "secret": draw.secret if drawn else None,
        "log_head": ({"seq": draw.log_head_seq, "hash": draw.log_head_hash} if drawn
                     else None),
        "seed": draw.seed, "reveal_log_seq": draw.reveal_log_seq,
        "jurors": [s.member_id for s in seats if s.source == "draw"],
        "replacements": [{"seq": d.seq, "declined": d.member_id,
                          "replacement": d.replacement_id, "log_seq": d.log_seq}
                         for d in declines],
        "seats": [{"id": s.member_id, "username": s.username, "source": s.source,
                   "status": s.status} for s in seats],
        "term_ends_at": _time(draw.term_ends_at), "dissolved_at": _time(draw.dissolved_at),
        "verify": {"command": f"commonhold verify-draw {draw.id}",
                   "json": f"/api/v1/governance/draws/{draw.id}"},
    }


@dataclass(frozen=True)
class StoredDrawReport:
    draw_id: int
    drawn: bool
    expected_jurors: tuple[str, ...]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


async def check_stored_draw(conn: Conn, *, draw_id: int) -> StoredDrawReport:
    """Re-run a stored draw from its document and hold it against the decision log."""
    doc = await draw_document(conn, draw_id=draw_id)
    draw = await get_draw(conn, draw_id=draw_id)
    found = verify.check_document(doc)
    problems = list(found.problems)
    problems += await _against_commitment(conn, draw, doc)
    if found.drawn:
        problems += await _against_reveal(conn, draw, doc)
        problems += await _against_declines(conn, doc)
    return StoredDrawReport(draw_id, found.drawn, found.expected_jurors, tuple(problems))


async def _entry_body(conn: Conn, seq: int | None, kind: str, draw_id: str
                      ) -> Mapping[str, Any] | None:
    entry = await log.get_entry(conn, seq=seq) if seq else None
    if entry is None or entry["kind"] != kind or entry["body"].get("draw_id") != draw_id:
        return None
    return entry["body"]


async def _against_commitment(conn: Conn, draw: Draw, doc: Mapping[str, Any]) -> list[str]:
    body = await _entry_body(conn, draw.commit_log_seq, "jury.committed", doc["id"])
    if body is None:
        return [f"the decision log has no jury.committed entry at seq {draw.commit_log_seq}"]
    out = []
    for field in ("pool_hash", "commitment", "params"):
        if body.get(field) != doc[field]:
            out.append(f"the {field.replace('_', ' ')} differs from the one logged at seq "
                       f"{draw.commit_log_seq} before the draw")
    return out


async def _against_reveal(conn: Conn, draw: Draw, doc: Mapping[str, Any]) -> list[str]:
    out = []
    body = await _entry_body(conn, draw.reveal_log_seq, "jury.drawn", doc["id"])
    if body is None:
        return [f"the decision log has no jury.drawn entry at seq {draw.reveal_log_seq}"]
    if body.get("secret") != doc["secret"]:
        out.append("the secret differs from the one revealed in the decision log")
    if body.get("seed") != doc["seed"] or body.get("log_head") != doc["log_head"]:
        out.append("the seed or log head differs from the one revealed in the decision log")
    if [j.get("id") for j in body.get("jurors", [])] != doc["jurors"]:
        out.append("the jurors differ from the ones announced in the decision log")
    head = doc["log_head"] or {}
    used = await log.get_entry(conn, seq=int(head.get("seq") or 0))
    if used is None or used["hash"] != head.get("hash"):
        out.append(f"the log head used (seq {head.get('seq')}) is not that entry of the log")
    elif used["seq"] <= draw.commit_log_seq:
        out.append("the log head used was written before the commitment")
    return out


async def _against_declines(conn: Conn, doc: Mapping[str, Any]) -> list[str]:
    out = []
    for row in doc["replacements"]:
        body = await _entry_body(conn, row["log_seq"], "jury.seat_declined", doc["id"])
        if body is None or (body.get("declined"), body.get("replacement")) != (
                row["declined"], row["replacement"]):
            out.append(f"replacement {row['seq']} differs from the decision log")
    return out
