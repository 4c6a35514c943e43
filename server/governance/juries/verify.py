"""Re-running a published draw from its document alone (pure functions, no database).

The document is what `GET /api/v1/governance/draws/{id}` serves and what
`commonhold verify-draw ID --json FILE` reads:

    pool         [{"id", "stratum"}, ...]   the frozen pool, excluded members included
    params       {"size", "strata", "exclude"}   as `sortition.DrawParams.as_dict()`
    pool_hash    committed before the draw
    commitment   sha256 of the secret, committed before the draw
    secret       revealed at the draw (null before)
    log_head     {"seq", "hash"}: the decision-log entry whose hash went into the seed
    seed         derive_seed(secret, log_head.hash)
    jurors       the ids `select(pool, params, seed)` gave, in ranking order
    replacements [{"seq", "declined", "replacement"}, ...] in the order jurors declined

Each replacement is recomputed with `sortition.replace`, offering the seat as it was when
that juror declined: everyone drawn so far (the jurors, then earlier replacements) and
everyone who had declined up to and including this one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from server.errors import ValidationError
from server.governance.juries import sortition
from server.governance.juries.sortition import PoolEntry


@dataclass(frozen=True)
class DrawCheck:
    """What re-running a draw found; `problems` is empty when everything matches."""

    drawn: bool
    expected_jurors: tuple[str, ...]
    expected_replacements: tuple[str | None, ...]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def pool_from_document(raw: Any) -> list[PoolEntry]:
    if not isinstance(raw, list):
        raise ValidationError("pool must be a list of {id, stratum} objects")
    entries = []
    for item in raw:
        if not isinstance(item, Mapping) or "id" not in item:
            raise ValidationError("pool must be a list of {id, stratum} objects")
        entries.append(PoolEntry(id=item["id"], stratum=item.get("stratum")))
    return entries


def replay_replacements(pool: Sequence[PoolEntry], params: sortition.DrawParams, seed: str,
                        jurors: Sequence[str],
                        declined_in_order: Sequence[str]) -> list[str | None]:
    """The replacement offered after each decline, recomputed in order."""
    drawn = list(jurors)
    declined: set[str] = set()
    out: list[str | None] = []
    for member in declined_in_order:
        declined.add(member)
        chosen = sortition.replace(pool, params, seed, drawn, declined)
        out.append(chosen)
        if chosen is not None:
            drawn.append(chosen)
    return out


def check_document(doc: Mapping[str, Any]) -> DrawCheck:
    """Recompute everything a draw document claims; malformed parts are reported."""
    try:
        pool = pool_from_document(doc.get("pool"))
        params = sortition.params_from_dict(doc.get("params") or {})
    except ValidationError as exc:
        return DrawCheck(False, (), (), (f"the document cannot be read: {exc.message}",))
    if doc.get("secret") is None:
        ok = _same(lambda: sortition.pool_hash(pool), doc.get("pool_hash"))
        problems = () if ok else ("the pool differs from the one whose hash was published",)
        return DrawCheck(False, (), (), problems)

    head = doc.get("log_head") or {}
    report = sortition.verify(
        pool, params, seed=str(doc.get("seed")), secret=str(doc.get("secret")),
        commitment=str(doc.get("commitment")), log_head_hash=str(head.get("hash")),
        expected_pool_hash=str(doc.get("pool_hash")),
        claimed_jurors=[str(j) for j in doc.get("jurors") or []])
    problems = list(report.problems)
    replaced: tuple[str | None, ...] = ()
    if report.jurors_ok:
        replaced, more = _check_replacements(pool, params, str(doc.get("seed")),
                                             report.expected_jurors,
                                             doc.get("replacements") or [])
        problems.extend(more)
    return DrawCheck(True, report.expected_jurors, replaced, tuple(problems))


def _check_replacements(pool: Sequence[PoolEntry], params: sortition.DrawParams, seed: str,
                        jurors: Sequence[str], claimed: Any) -> tuple[tuple[str | None, ...],
                                                                      list[str]]:
    if not isinstance(claimed, list) or not all(isinstance(r, Mapping) for r in claimed):
        return (), ["replacements must be a list of {seq, declined, replacement} objects"]
    try:
        expected = replay_replacements(pool, params, seed, jurors,
                                       [str(r.get("declined")) for r in claimed])
    except ValidationError as exc:
        return (), [f"the replacements cannot be recomputed: {exc.message}"]
    problems = []
    for n, (row, want) in enumerate(zip(claimed, expected, strict=True), start=1):
        if row.get("replacement") != want:
            problems.append(f"replacement {n} (for {row.get('declined')}) should be {want}, "
                            f"not {row.get('replacement')}")
    return tuple(expected), problems


def _same(compute: Any, published: Any) -> bool:
    try:
        return bool(compute() == published)
    except ValidationError:
        return False
