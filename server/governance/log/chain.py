"""The decision log: an append-only list of entries, each bound to the one before by its hash.

Every governance decision (a proposal closing, a jury draw being committed, a verdict) is
recorded as an entry. Because each entry's hash covers the previous entry's hash, changing,
removing or reordering anything already recorded changes every hash after it, so anyone
holding a recent head hash can tell whether the history they are shown is the one that was
written. This module only computes and checks hashes; storing entries is someone else's job.

Entry format
------------
An entry is a mapping with these fields:

    seq          int, 1 for the first entry, then +1 for each entry
    prev_hash    the previous entry's `hash`; the first entry uses GENESIS ("0" * 64)
    kind         a short non-empty string naming what happened, e.g. "jury.committed"
    recorded_at  an ISO 8601 timestamp string with a UTC offset, e.g. "2026-05-01T12:00:00+00:00"
    body         a JSON object with the details
    hash         sha256 (lowercase hex) of the canonical JSON of
                 {"seq": seq, "prev": prev_hash, "kind": kind,
                  "recorded_at": recorded_at, "body": body}

Note the key inside the hashed object is "prev", not "prev_hash".

Canonical JSON
--------------
`canonical_json` is exactly Python's

    json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
               allow_nan=False).encode("utf-8")

restricted to plain JSON values: objects with string keys, arrays, strings, integers, finite
floats, true, false and null. In words: no whitespace; object keys sorted by Unicode code
point (the same as sorting their UTF-8 bytes; this is *not* RFC 8785, which sorts by UTF-16
code units); strings written as literal UTF-8 except `"` and `\\`, which are backslash-escaped,
and characters below U+0020, which are written as \\b \\f \\n \\r \\t or \\u00XX with lowercase
hex; no Unicode normalisation. Anything else (datetimes, bytes, sets, NaN, infinities, non-string
keys) is refused with ValidationError, so callers must turn timestamps into ISO strings
themselves. Floats are allowed but discouraged: they are written the way Python's repr writes
them (1.0, 1e+16), which other languages do not always reproduce; integers beyond 2**53 and
floats both trouble JavaScript verifiers, so prefer strings for such values.

Checking a log without this code
--------------------------------
A participating pod's admin can recompute every hash with the standard library alone:

    import hashlib, json

    def entry_hash(e):
        obj = {"seq": e["seq"], "prev": e["prev_hash"], "kind": e["kind"],
               "recorded_at": e["recorded_at"], "body": e["body"]}
        text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    prev = "0" * 64
    for n, e in enumerate(entries, start=1):
        assert e["seq"] == n and e["prev_hash"] == prev and entry_hash(e) == e["hash"], n
        prev = e["hash"]

What the chain does not prove
-----------------------------
Dropping entries from the *end* leaves a valid, shorter chain. Truncation is only visible to
someone who remembers a later head (seq and hash), which is why `ChainReport` returns the
head it reached: compare it with a head published earlier or by another participant.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.errors import ValidationError

GENESIS = "0" * 64

_HEX64 = re.compile(r"[0-9a-f]{64}")

# Field names an entry mapping must carry; anything else (database ids, etc.) is ignored.
ENTRY_FIELDS = ("seq", "prev_hash", "kind", "recorded_at", "body", "hash")


# --- canonical JSON -------------------------------------------------------------------------


def canonical_json(obj: Any) -> bytes:
    """Encode `obj` as canonical JSON bytes (see the module docstring for the exact rules)."""
    plain = _plain(obj, "$")
    try:
        text = json.dumps(
            plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        # A lone surrogate survives json.dumps but has no UTF-8 form.
        raise ValidationError("string is not valid Unicode (lone surrogate)") from exc


def _plain(value: Any, path: str) -> Any:
    """Return `value` as plain dicts/lists, refusing anything JSON cannot say unambiguously."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(f"{path}: NaN and infinities have no JSON form")
        return value
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            # json.dumps would quietly turn 1 into "1", so {1: x} and {"1": x} would collide.
            if not isinstance(key, str):
                raise ValidationError(f"{path}: object keys must be strings, got {key!r}")
            out[key] = _plain(item, f"{path}.{key}")
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(item, f"{path}[{i}]") for i, item in enumerate(value)]
    raise ValidationError(
        f"{path}: {type(value).__name__} is not a JSON value (pass timestamps as ISO strings)"
    )


# --- hashing one entry ----------------------------------------------------------------------


def entry_hash(*, seq: int, prev_hash: str, kind: str, recorded_at: str, body: Mapping) -> str:
    """The sha256 hex digest that an entry with these fields must carry as its `hash`."""
    _check_fields(seq=seq, prev_hash=prev_hash, kind=kind, recorded_at=recorded_at, body=body)
    hashed = {"seq": seq, "prev": prev_hash, "kind": kind, "recorded_at": recorded_at, "body": body}
    return hashlib.sha256(canonical_json(hashed)).hexdigest()


def new_entry(
    *, after_seq: int, after_hash: str, kind: str, recorded_at: str, body: Mapping
) -> dict[str, Any]:
    """Build the entry that follows the head (`after_seq`, `after_hash`); use (0, GENESIS) first."""
    seq = after_seq + 1
    digest = entry_hash(
        seq=seq, prev_hash=after_hash, kind=kind, recorded_at=recorded_at, body=body
    )
    return {
        "seq": seq,
        "prev_hash": after_hash,
        "kind": kind,
        "recorded_at": recorded_at,
        "body": dict(body),
        "hash": digest,
    }


def _check_fields(*, seq: Any, prev_hash: Any, kind: Any, recorded_at: Any, body: Any) -> None:
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise ValidationError(f"seq must be an integer >= 1, got {seq!r}")
    if not is_hex_digest(prev_hash):
        raise ValidationError("prev_hash must be 64 lowercase hex characters")
    if not isinstance(kind, str) or not kind:
        raise ValidationError("kind must be a non-empty string")
    _check_timestamp(recorded_at)
    if not isinstance(body, Mapping):
        raise ValidationError("body must be a JSON object")


def _check_timestamp(recorded_at: Any) -> None:
    # The string itself is hashed, so it must already be in its final form; requiring an
    # offset keeps "12:00" from meaning different instants on different servers.
    if not isinstance(recorded_at, str):
        raise ValidationError("recorded_at must be an ISO 8601 string")
    try:
        parsed = datetime.fromisoformat(recorded_at)
    except ValueError as exc:
        raise ValidationError(f"recorded_at is not ISO 8601: {recorded_at!r}") from exc
    if parsed.tzinfo is None:
        raise ValidationError(f"recorded_at needs a UTC offset: {recorded_at!r}")


def is_hex_digest(value: Any) -> bool:
    """True for a sha256 digest written as 64 lowercase hex characters."""
    return isinstance(value, str) and _HEX64.fullmatch(value) is not None


# --- verifying a run of entries -------------------------------------------------------------


@dataclass(frozen=True)
class ChainReport:
    """The outcome of `verify_chain`.

    `checked` counts the entries that verified before the first problem (all of them when
    `ok`). `head_seq`/`head_hash` are the last good entry, or the starting point if none was.
    When not `ok`, `broken_index` is the 0-based position of the first bad entry in the input,
    `broken_seq` its seq (None if the entry has no usable seq), `problem` one of "malformed",
    "seq", "prev_hash", "hash", and `detail` a sentence for people.
    """

    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    broken_index: int | None = None
    broken_seq: int | None = None
    problem: str | None = None
    detail: str | None = None


def verify_chain(
    entries: Iterable[Mapping[str, Any]], *, after_seq: int = 0, after_hash: str = GENESIS
) -> ChainReport:
    """Walk `entries` in order and report the first one that breaks the chain.

    By default the first entry must be seq 1 following GENESIS. To check only the newer part
    of a long log, pass a head you already trust as (`after_seq`, `after_hash`).
    """
    if isinstance(after_seq, bool) or not isinstance(after_seq, int) or after_seq < 0:
        raise ValidationError("after_seq must be an integer >= 0")
    if not is_hex_digest(after_hash):
        raise ValidationError("after_hash must be 64 lowercase hex characters")

    head_seq, head_hash = after_seq, after_hash
    checked = 0
    for index, entry in enumerate(entries):
        fault = _entry_fault(entry, head_seq, head_hash)
        if fault is not None:
            problem, detail = fault
            return ChainReport(
                ok=False,
                checked=checked,
                head_seq=head_seq,
                head_hash=head_hash,
                broken_index=index,
                broken_seq=_usable_seq(entry),
                problem=problem,
                detail=detail,
            )
        head_seq, head_hash = entry["seq"], entry["hash"]
        checked += 1
    return ChainReport(ok=True, checked=checked, head_seq=head_seq, head_hash=head_hash)


def _entry_fault(entry: Any, head_seq: int, head_hash: str) -> tuple[str, str] | None:
    """What is wrong with `entry` as the successor of the head, or None if nothing is."""
    if not isinstance(entry, Mapping):
        return "malformed", "entry is not a mapping"
    missing = [name for name in ENTRY_FIELDS if name not in entry]
    if missing:
        return "malformed", f"entry lacks {', '.join(missing)}"
    # Order matters: a gap or a wrong link says more about what happened than the bare fact
    # that the hash no longer matches.
    if _usable_seq(entry) != head_seq + 1:
        return "seq", f"expected seq {head_seq + 1}, found {entry['seq']!r}"
    if entry["prev_hash"] != head_hash:
        return "prev_hash", f"prev_hash does not match the hash of seq {head_seq}"
    try:
        expected = entry_hash(
            seq=entry["seq"],
            prev_hash=entry["prev_hash"],
            kind=entry["kind"],
            recorded_at=entry["recorded_at"],
            body=entry["body"],
        )
    except ValidationError as exc:
        return "malformed", exc.message
    if entry["hash"] != expected:
        return "hash", "hash does not match the entry's contents"
    return None


def _usable_seq(entry: Any) -> int | None:
    if not isinstance(entry, Mapping):
        return None
    seq = entry.get("seq")
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else None
