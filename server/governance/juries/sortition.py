"""Jury draws by lot that anyone can re-run and check.

Protocol
--------
1. The pool of eligible members and the draw parameters are frozen. The organiser calls
   `make_secret()`, keeps the secret private, and records in the decision log
   `commitment(secret)`, `pool_hash(pool)` and `params.as_dict()`.
2. The seed is `derive_seed(secret, head)`, where `head` is the hash of a log entry that did not
   yet exist when the commitment was recorded (for example the first entry after it). The
   secret alone cannot be chosen to favour anyone, because the head was unknown when the
   secret was fixed; the head alone cannot, because the secret was hidden when the head
   was written.
3. `select(pool, params, seed)` gives the jury. The organiser then publishes the secret, and
   anyone can call `verify(...)` with the pool and the parameters recorded in step 1 (or
   follow the encoding below) to recompute every step.

This holds as long as nobody who knew the secret could also decide what the head would be.
Someone holding the secret who can append log entries at will could keep appending until the
head gives a jury they like; every attempt stays in the log, but it is not otherwise prevented.

Encoding
--------
Secrets, seeds and hashes are 64 lowercase hex characters, and wherever one is fed into a
hash it is fed as its ASCII text, not as the 32 bytes it spells.

    commitment = sha256(secret).hex
    seed       = sha256(b"commonhold-draw-seed\\x00" + secret + b"\\x00" + head).hex
    pool_hash  = sha256(canonical_json([{"id": id, "stratum": stratum_or_null}, ...])).hex
    rank key   = HMAC-SHA256(key=seed, msg=UTF-8 bytes of the member id)

The seed input is unambiguous because both fields have a fixed length and hex never contains
a NUL byte. The pool list covers every member in the frozen pool (excluded ones too), sorted
by id in Unicode code-point order, and uses the canonical JSON of `server.governance.log.chain`.

Selection
---------
Excluded members are removed first; the rest are the eligible members, N of them. They are
ranked by their rank key, smallest first, comparing the 32 digest bytes (equivalently their
hex) lexicographically; ties, which need two equal HMAC outputs, fall back to ordering by id.
Without strata the jury is the first `size` members of the ranking. With strata, the ranking
is walked twice: the first pass takes every member whose stratum still has fewer than its
`min` seats, the second takes every member not yet chosen whose stratum has fewer than its
`max` seats, stopping once `size` seats are filled. Jurors are returned in ranking order.

How selection probabilities are shared
--------------------------------------
Nobody knows the seed while the pool and parameters can still change, and HMAC-SHA256 under
an unknown key behaves like a random function, so the ranking is in effect a uniformly random
order of the N eligible members. Without strata, the jury is the top `size` of that order:
every eligible member is chosen with probability size/N, and every group of `size` eligible
members is equally likely to be the jury. With strata, a member's fate depends only on their
stratum and their place in the ranking, so members of the same stratum are chosen with equal
probability (that stratum's expected number of seats divided by its eligible members), and
each stratum is guaranteed at least its `min` and at most its `max` seats. With strata it is
not guaranteed that members of different strata have equal chances (a member of a small
stratum with a large `min` may be far likelier to serve than a member of a large one), that
seats are proportional to stratum sizes, or that every combination of members that meets the
quotas is equally likely. Excluded members are never chosen. All of this describes the draw;
who finally serves also depends on who declines, which is a choice, not chance.

Replacement
-----------
When jurors decline, `replace` offers the seat to the highest-ranked member who has neither
been drawn nor declined and whose seating still lets the quotas be met. When a stratum is
below its `min` and the remaining seats are needed to reach it (as when a juror from a
stratum held at its minimum declines), only members of that stratum qualify. Because
replacements follow the same ranking, anyone holding the seed can recompute them too.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from server.errors import ValidationError
from server.governance.log.chain import canonical_json, is_hex_digest

SEED_DOMAIN = b"commonhold-draw-seed\x00"

# Positions in the (min, max) pair returned by DrawParams.limits.
_MIN, _MAX = 0, 1


# --- the values that get committed ----------------------------------------------------------


def make_secret() -> str:
    """32 random bytes from the OS, as 64 hex characters."""
    return secrets.token_hex(32)


def commitment(secret: str) -> str:
    """sha256 of the secret's hex text; published before the draw, checked after."""
    _require_hex("secret", secret)
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def derive_seed(secret: str, log_head_hash: str) -> str:
    """The draw seed: neither the secret nor the log head alone decides it."""
    _require_hex("secret", secret)
    _require_hex("log_head_hash", log_head_hash)
    material = SEED_DOMAIN + secret.encode("ascii") + b"\x00" + log_head_hash.encode("ascii")
    return hashlib.sha256(material).hexdigest()


def _require_hex(name: str, value: Any) -> None:
    if not is_hex_digest(value):
        raise ValidationError(f"{name} must be 64 lowercase hex characters")


# --- the pool -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolEntry:
    """One member who may be drawn, with the stratum used by quotas (None if unstratified)."""

    id: str
    stratum: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ValidationError("pool entry id must be a non-empty string")
        if self.stratum is not None and (not isinstance(self.stratum, str) or not self.stratum):
            raise ValidationError(f"stratum of {self.id!r} must be a non-empty string or None")


def pool_hash(pool: Sequence[PoolEntry]) -> str:
    """sha256 hex of the frozen pool, so a pool changed after the commitment is noticed."""
    entries = _check_pool(pool)
    listing = [{"id": e.id, "stratum": e.stratum} for e in sorted(entries, key=lambda e: e.id)]
    return hashlib.sha256(canonical_json(listing)).hexdigest()


def _check_pool(pool: Sequence[PoolEntry]) -> list[PoolEntry]:
    entries = list(pool)
    if not all(isinstance(e, PoolEntry) for e in entries):
        raise ValidationError("pool must contain PoolEntry items")
    counts = Counter(e.id for e in entries)
    repeated = sorted(member for member, n in counts.items() if n > 1)
    if repeated:
        raise ValidationError(f"pool lists members more than once: {', '.join(repeated)}")
    return entries


# --- parameters -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Quota:
    """How many seats one stratum must get (`min`) and may get (`max`)."""

    min: int
    max: int

    def __post_init__(self) -> None:
        if not (_is_int(self.min) and _is_int(self.max)):
            raise ValidationError("quota min and max must be integers")
        if self.min < 0 or self.max < self.min:
            raise ValidationError(f"quota needs 0 <= min <= max, got {self.min}..{self.max}")


@dataclass(frozen=True)
class DrawParams:
    """What to draw: `size` jurors, optional per-stratum quotas, and members who may not sit.

    With `strata`, every eligible member's stratum must be one of its keys; a stratum meant
    to be unconstrained can be given Quota(0, size). This is checked against the pool when
    drawing, so a misspelt stratum name is refused rather than quietly left without a quota.
    """

    size: int
    strata: Mapping[str, Quota] | None = None
    exclude: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not _is_int(self.size) or self.size < 1:
            raise ValidationError("jury size must be an integer >= 1")
        object.__setattr__(self, "exclude", _frozen_ids(self.exclude))
        if self.strata is not None:
            object.__setattr__(self, "strata", _frozen_strata(self.strata, self.size))

    def limits(self, stratum: str | None) -> tuple[int, int]:
        """(min, max) seats for a stratum; without strata everyone shares one open stratum."""
        if self.strata is None:
            return 0, self.size
        quota = self.strata[stratum]  # type: ignore[index]  # presence checked against pool
        return quota.min, quota.max

    def stratum_of(self, entry: PoolEntry) -> str | None:
        """The quota group an entry counts against (None for all when there are no strata)."""
        return entry.stratum if self.strata is not None else None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form, read back by `params_from_dict`."""
        strata = None
        if self.strata is not None:
            strata = {name: {"min": q.min, "max": q.max} for name, q in sorted(self.strata.items())}
        return {"size": self.size, "strata": strata, "exclude": sorted(self.exclude)}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _frozen_ids(ids: Iterable[str]) -> frozenset[str]:
    # A bare string is iterable too, and would silently exclude its letters.
    if isinstance(ids, str) or not isinstance(ids, Iterable):
        raise ValidationError("exclude must be a collection of member ids")
    members = list(ids)
    if not all(isinstance(i, str) for i in members):
        raise ValidationError("exclude must be a collection of member ids")
    return frozenset(members)


def _frozen_strata(strata: Mapping[str, Quota], size: int) -> Mapping[str, Quota]:
    if not isinstance(strata, Mapping):
        raise ValidationError("strata must map stratum names to quotas")
    for name, quota in strata.items():
        if not isinstance(name, str) or not name:
            raise ValidationError("stratum names must be non-empty strings")
        if not isinstance(quota, Quota):
            raise ValidationError(f"quota for {name!r} must be a Quota")
    if sum(q.min for q in strata.values()) > size:
        raise ValidationError("the strata minimums add up to more than the jury size")
    # Every eligible member must belong to a listed stratum, so the maxima bound the jury.
    if sum(q.max for q in strata.values()) < size:
        raise ValidationError("the strata maximums add up to less than the jury size")
    return MappingProxyType(dict(sorted(strata.items())))


def params_from_dict(data: Mapping[str, Any]) -> DrawParams:
    """Rebuild DrawParams from `as_dict()` output (e.g. read back from the decision log)."""
    if not isinstance(data, Mapping):
        raise ValidationError("draw parameters must be a JSON object")
    unknown = set(data) - {"size", "strata", "exclude"}
    if unknown:
        raise ValidationError(f"unknown draw parameters: {', '.join(sorted(map(str, unknown)))}")
    if "size" not in data:
        raise ValidationError("draw parameters need a size")
    raw_strata = data.get("strata")
    strata = None if raw_strata is None else _strata_from_dict(raw_strata)
    exclude = data.get("exclude", [])
    if not isinstance(exclude, (list, tuple)):
        raise ValidationError("exclude must be a list of member ids")
    return DrawParams(size=data["size"], strata=strata, exclude=_frozen_ids(exclude))


def _strata_from_dict(raw: Any) -> dict[str, Quota]:
    if not isinstance(raw, Mapping):
        raise ValidationError("strata must be a JSON object")
    strata = {}
    for name, quota in raw.items():
        if not isinstance(quota, Mapping) or set(quota) != {"min", "max"}:
            raise ValidationError(f"quota for {name!r} must be an object with min and max")
        strata[name] = Quota(min=quota["min"], max=quota["max"])
    return strata


# --- drawing --------------------------------------------------------------------------------


def ranking(pool: Sequence[PoolEntry], params: DrawParams, seed: str) -> list[PoolEntry]:
    """Every eligible member in draw order; checks that `params` can be met by this pool."""
    _require_hex("seed", seed)
    eligible = _eligible(pool, params)
    key = seed.encode("ascii")

    def rank_key(entry: PoolEntry) -> tuple[bytes, str]:
        digest = hmac.new(key, entry.id.encode("utf-8"), hashlib.sha256).digest()
        return digest, entry.id

    return sorted(eligible, key=rank_key)


def _eligible(pool: Sequence[PoolEntry], params: DrawParams) -> list[PoolEntry]:
    """The pool minus exclusions, after checking the quotas can be met from it."""
    eligible = [e for e in _check_pool(pool) if e.id not in params.exclude]
    if params.size > len(eligible):
        raise ValidationError(
            f"jury size {params.size} exceeds the {len(eligible)} eligible members"
        )
    if params.strata is not None:
        _check_quotas_feasible(eligible, params, params.strata)
    return eligible


def _check_quotas_feasible(
    eligible: list[PoolEntry], params: DrawParams, strata: Mapping[str, Quota]
) -> None:
    unlisted = sorted({str(e.stratum) for e in eligible if e.stratum not in strata})
    if unlisted:
        raise ValidationError(f"eligible members are in strata without a quota: {unlisted}")
    available = Counter(e.stratum for e in eligible)
    for name, quota in strata.items():
        if quota.min > available[name]:
            raise ValidationError(
                f"stratum {name!r} needs {quota.min} seats but has {available[name]} members"
            )
    reachable = sum(min(q.max, available[name]) for name, q in strata.items())
    if reachable < params.size:
        raise ValidationError(f"the quotas allow at most {reachable} of {params.size} seats")


def select(pool: Sequence[PoolEntry], params: DrawParams, seed: str) -> list[str]:
    """The jurors' ids, in ranking order (see the module docstring for the rules)."""
    order = ranking(pool, params, seed)
    chosen: set[str] = set()
    seats: Counter[str | None] = Counter()
    # First pass up to each stratum's minimum, second pass up to its maximum.
    for bound in (_MIN, _MAX):
        for entry in order:
            if len(chosen) == params.size:
                break
            stratum = params.stratum_of(entry)
            if entry.id not in chosen and seats[stratum] < params.limits(stratum)[bound]:
                chosen.add(entry.id)
                seats[stratum] += 1
    return [entry.id for entry in order if entry.id in chosen]


def replace(
    pool: Sequence[PoolEntry],
    params: DrawParams,
    seed: str,
    already_selected: Sequence[str],
    declined: Collection[str],
) -> str | None:
    """The member to offer a declined seat to, or None if nobody left can keep the quotas.

    `already_selected` is everyone drawn so far (the draw and earlier replacements);
    `declined` is everyone who said no, whether or not they are also listed there. The
    seated jurors are those drawn who have not declined; there must be a seat open. For
    several open seats, call again with each accepted offer added to `already_selected`.
    """
    order = ranking(pool, params, seed)
    seated, passed_over = _seating(order, already_selected, declined)
    open_seats = params.size - len(seated)
    if open_seats < 1:
        raise ValidationError("every seat is filled; nobody needs replacing")
    seats = Counter(params.stratum_of(e) for e in seated)
    for stratum, count in seats.items():
        if count > params.limits(stratum)[_MAX]:
            raise ValidationError(f"the seated jurors already exceed the maximum for {stratum!r}")

    candidates = [e for e in order if e.id not in passed_over]
    left = Counter(params.stratum_of(e) for e in candidates)
    for entry in candidates:
        stratum = params.stratum_of(entry)
        seats[stratum] += 1
        left[stratum] -= 1
        if _can_complete(params, seats, left, open_seats - 1):
            return entry.id
        seats[stratum] -= 1
        left[stratum] += 1
    return None


def _seating(
    order: list[PoolEntry], already_selected: Sequence[str], declined: Collection[str]
) -> tuple[list[PoolEntry], set[str]]:
    """(seated jurors, everyone no longer eligible for an offer), after checking the ids."""
    by_id = {e.id: e for e in order}
    drawn = list(already_selected)
    if len(set(drawn)) != len(drawn):
        raise ValidationError("already_selected lists a member twice")
    strangers = sorted((set(drawn) | set(declined)) - set(by_id))
    if strangers:
        raise ValidationError(f"not eligible for this draw: {', '.join(strangers)}")
    seated = [by_id[i] for i in drawn if i not in declined]
    return seated, set(drawn) | set(declined)


def _can_complete(
    params: DrawParams, seats: Counter[str | None], left: Counter[str | None], open_seats: int
) -> bool:
    """Whether `open_seats` more jurors can be found among `left` so every quota holds."""
    strata: Iterable[str | None] = params.strata.keys() if params.strata is not None else [None]
    needed = room = 0
    for stratum in strata:
        low, high = params.limits(stratum)
        if seats[stratum] > high:
            return False
        shortfall = max(0, low - seats[stratum])
        if shortfall > left[stratum]:
            return False
        needed += shortfall
        room += min(high - seats[stratum], left[stratum])
    return needed <= open_seats <= room


# --- checking a published draw --------------------------------------------------------------


# `verify` takes a parameter named `commitment`, which hides the function of that name there.
_commitment_of = commitment


@dataclass(frozen=True)
class VerifyReport:
    """What `verify` found. Each *_ok flag covers one published value; `problems` explains."""

    commitment_ok: bool
    seed_ok: bool
    pool_ok: bool
    jurors_ok: bool
    expected_jurors: tuple[str, ...]
    missing: tuple[str, ...] = ()
    unexpected: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.commitment_ok and self.seed_ok and self.pool_ok and self.jurors_ok


def verify(
    pool: Sequence[PoolEntry],
    params: DrawParams,
    seed: str,
    secret: str,
    commitment: str,
    log_head_hash: str,
    expected_pool_hash: str,
    claimed_jurors: Sequence[str],
) -> VerifyReport:
    """Recompute a published draw and say which published values, if any, do not fit.

    Malformed inputs are reported as mismatches rather than raised, since whoever runs this
    is usually checking someone else's figures. The jurors are recomputed from the published
    seed; `seed_ok` separately ties that seed to the secret and the log head.
    """
    problems: list[str] = []
    commitment_ok = _matches(lambda: _commitment_of(secret), commitment)
    if not commitment_ok:
        problems.append("the secret does not hash to the published commitment")
    seed_ok = _matches(lambda: derive_seed(secret, log_head_hash), seed)
    if not seed_ok:
        problems.append("the seed is not the one derived from the secret and the log head")
    pool_ok = _matches(lambda: pool_hash(pool), expected_pool_hash)
    if not pool_ok:
        problems.append("the pool differs from the one whose hash was published")

    try:
        expected = tuple(select(pool, params, seed))
    except ValidationError as exc:
        problems.append(f"the draw cannot be recomputed: {exc.message}")
        return VerifyReport(commitment_ok, seed_ok, pool_ok, False, (), problems=tuple(problems))
    claimed = list(claimed_jurors)
    missing = tuple(i for i in expected if i not in claimed)
    unexpected = tuple(sorted(set(claimed) - set(expected)))
    jurors_ok = not missing and not unexpected and len(claimed) == len(expected)
    if not jurors_ok:
        problems.append("the claimed jurors differ from the recomputed draw")
    return VerifyReport(
        commitment_ok, seed_ok, pool_ok, jurors_ok, expected, missing, unexpected, tuple(problems)
    )


def _matches(compute: Callable[[], str], published: str) -> bool:
    # A malformed published value is simply a value that does not match.
    try:
        return compute() == published
    except ValidationError:
        return False
