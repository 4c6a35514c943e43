"""Jury draws in the database: commit, draw, and the seats that follow.

The protocol is the one in `sortition.py`'s docstring:

1. `commit_draw` freezes the pool (the active members, with their class as stratum when
   the charter's jury parameters have strata) and the parameters (size and quotas from the
   charter in force, plus the exclusions), makes a secret, and logs `jury.committed` with
   the pool hash, the parameters and the commitment. The secret stays in the database and
   is served to nobody. A `governance.perform_draw` job is queued for the announced time.
2. `perform_draw` (the job at that time, or the organiser earlier) takes the decision log's
   head, seeds the draw with `derive_seed(secret, head)` and logs `jury.drawn` with the
   secret, the head, the seed and the jurors. The head is always an entry written after the
   commitment: if nothing was logged since, a `jury.draw_due` entry is written first.
3. Jurors accept or decline their seat; each decline is logged with the replacement that
   `sortition.replace` gives. The jury sits until its term ends (`governance.dissolve_jury`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from server import jobs
from server.db import Conn
from server.errors import ConflictError, ForbiddenError, NotFoundError, ValidationError
from server.governance.charter import service as charter
from server.governance.juries import queries, sortition
from server.governance.juries.queries import Draw, PoolMember
from server.governance.log import service as log
from server.governance.members import queries as members_q
from server.governance.roles import service as roles
from server.ids import new_id

DEFAULT_DRAW_DELAY = timedelta(hours=24)
PURPOSE_MAX = 200
# A seed only used to check, before committing, that the quotas can be met from the pool.
_PROBE_SEED = "0" * 64


class DrawNotFoundError(NotFoundError):
    code = "draw_not_found"

    def __init__(self, draw_id: int) -> None:
        super().__init__("There is no such jury draw.", draw_id=draw_id)


class DrawNotDueError(ConflictError):
    code = "draw_not_due"

    def __init__(self, draw_id: int, due: datetime) -> None:
        super().__init__("It is not time for this yet.", draw_id=draw_id)
        self.due = due


async def get_draw(conn: Conn, *, draw_id: int) -> Draw:
    draw = await queries.get_draw(conn, draw_id=draw_id)
    if draw is None:
        raise DrawNotFoundError(draw_id)
    return draw


async def list_draws(conn: Conn, *, limit: int = 100) -> list[Draw]:
    return await queries.list_draws(conn, limit=limit)


async def can_organise(conn: Conn, *, account_id: int | None) -> bool:
    """Admins, and holders of the role the charter names to organise draws."""
    if account_id is None:
        return False
    role = (await charter.get_charter_in_force(conn)).parameters.juries.organiser_role
    return (await roles.is_admin(conn, account_id=account_id)
            or await roles.has_role(conn, account_id=account_id, role=role))


async def _require_organiser(conn: Conn, account_id: int) -> None:
    if not await can_organise(conn, account_id=account_id):
        raise ForbiddenError("Only an admin or the role the charter names to organise jury "
                             "draws can do that.")


def _purpose(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("Say what the jury is for (for example: appeal).", field="purpose")
    if len(value.strip()) > PURPOSE_MAX:
        raise ValidationError(f"The purpose can be at most {PURPOSE_MAX} characters.",
                              field="purpose")
    return value.strip()


def entries(pool: Iterable[PoolMember]) -> list[sortition.PoolEntry]:
    return [sortition.PoolEntry(id=p.member_id, stratum=p.stratum) for p in pool]


async def account_ids_for(conn: Conn, names: object) -> list[int]:
    """Local accounts named in a list, or in text separated by commas or spaces."""
    if isinstance(names, str):
        names = names.replace(",", " ").split()
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValidationError("Name the members to exclude by username.", field="exclude")
    found = []
    for name in names:
        account = await members_q.get_local_account_by_username(conn, username=name.lstrip("@"))
        if account is None:
            raise ValidationError(f"No local account is called {name!r}.", field="exclude")
        found.append(account.id)
    return found


async def _frozen_pool(conn: Conn, stratified: bool) -> list[PoolMember]:
    return [PoolMember(member_id=str(m.account_id), account_id=m.account_id,
                       username=m.username, stratum=m.member_class if stratified else None)
            for m in await members_q.list_members(conn, status="active")]


async def commit_draw(conn: Conn, *, purpose: object, now: datetime,
                      exclude_account_ids: Iterable[int] = (), draw_at: datetime | None = None,
                      by_account_id: int | None = None) -> Draw:
    """Freeze the pool and parameters and publish the commitment (step 1 above).

    `by_account_id` None is the server acting for another part of itself (an appeal being
    filed); a person must be an organiser. Exclusions outside the pool are dropped, since
    they could not be drawn anyway. Refuses a draw whose quotas the pool cannot meet."""
    if by_account_id is not None:
        await _require_organiser(conn, by_account_id)
    purpose = _purpose(purpose)
    current = await charter.get_charter_in_force(conn)
    base = current.parameters.jury_for(purpose)
    pool = await _frozen_pool(conn, stratified=base.strata is not None)
    excluded = {str(a) for a in exclude_account_ids} & {p.member_id for p in pool}
    params = sortition.DrawParams(size=base.size, strata=base.strata,
                                  exclude=frozenset(excluded))
    sortition.select(entries(pool), params, _PROBE_SEED)
    secret = sortition.make_secret()
    draw_id, when = new_id(), max(draw_at or now + DEFAULT_DRAW_DELAY, now)
    term_days = current.parameters.juries.term.days
    pool_hash = sortition.pool_hash(entries(pool))
    by = await _by(conn, by_account_id, default="server")
    entry = await log.append_entry(conn, kind="jury.committed", now=now, body={
        "draw_id": str(draw_id), "purpose": purpose, "charter_version": current.version, "by": by,
        "params": params.as_dict(), "pool_hash": pool_hash, "pool_size": len(pool),
        "commitment": sortition.commitment(secret), "draw_at": log.timestamp(when),
        "term_days": term_days})
    await queries.insert_draw(
        conn, draw_id=draw_id, purpose=purpose, charter_version=current.version,
        params=params.as_dict(), pool_hash=pool_hash, commitment=sortition.commitment(secret),
        secret=secret, term_days=term_days, draw_at=when, created_by_account_id=by_account_id,
        committed_at=now, commit_log_seq=entry["seq"])
    await queries.insert_pool(conn, draw_id=draw_id, members=pool)
    await jobs.enqueue(conn, "governance.perform_draw", {"draw_id": str(draw_id)}, now=now,
                       run_at=when)
    return await get_draw(conn, draw_id=draw_id)


async def perform_draw(conn: Conn, *, draw_id: int, now: datetime,
                       by_account_id: int | None = None) -> Draw | None:
    """Draw the jury (step 2 above). The job calls it with no account and is refused before
    the announced time; an organiser may draw early. None when it was already drawn."""
    if not await queries.lock_draw(conn, draw_id=draw_id):
        raise DrawNotFoundError(draw_id)
    draw = await get_draw(conn, draw_id=draw_id)
    if by_account_id is not None:
        await _require_organiser(conn, by_account_id)
    if draw.state != "committed":
        if by_account_id is not None:
            raise ConflictError("This jury has already been drawn.")
        return None
    if by_account_id is None and now < draw.draw_at:
        raise DrawNotDueError(draw_id, draw.draw_at)
    pool = await queries.list_pool(conn, draw_id=draw_id)
    if sortition.pool_hash(entries(pool)) != draw.pool_hash:
        raise ConflictError("The stored pool no longer matches the hash committed to; "
                            "the draw is refused.")
    by = await _by(conn, by_account_id, default="schedule")
    head = await log.lock_head(conn)
    if head["seq"] <= draw.commit_log_seq:
        await log.append_entry(conn, kind="jury.draw_due", now=now, body={
            "draw_id": str(draw_id), "by": by})
        head = await log.get_head(conn)
    seed = sortition.derive_seed(draw.secret, head["hash"])
    jurors = sortition.select(entries(pool), sortition.params_from_dict(draw.params), seed)
    names = {p.member_id: p for p in pool}
    term_ends = now + timedelta(days=draw.term_days)
    entry = await log.append_entry(conn, kind="jury.drawn", now=now, body={
        "draw_id": str(draw_id), "purpose": draw.purpose, "secret": draw.secret,
        "log_head": head, "seed": seed, "by": by, "term_ends_at": log.timestamp(term_ends),
        "jurors": [{"id": j, "username": names[j].username} for j in jurors]})
    await queries.update_draw_drawn(conn, draw_id=draw_id, drawn_at=now,
                                    log_head_seq=head["seq"], log_head_hash=head["hash"],
                                    seed=seed, reveal_log_seq=entry["seq"],
                                    term_ends_at=term_ends)
    for position, juror in enumerate(jurors, start=1):
        await queries.insert_seat(conn, draw_id=draw_id, account_id=names[juror].account_id,
                                  member_id=juror, position=position, source="draw",
                                  offered_at=now)
    await jobs.enqueue(conn, "governance.dissolve_jury", {"draw_id": str(draw_id)}, now=now,
                       run_at=term_ends)
    return await get_draw(conn, draw_id=draw_id)


async def _by(conn: Conn, account_id: int | None, *, default: str) -> str:
    """Who acted, for the log: an organiser, or `default` when the server did."""
    if account_id is None:
        return default
    account = await members_q.get_account_summary(conn, account_id=account_id)
    return f"organiser:{account.username}" if account else f"organiser:{account_id}"
