"""The hash-chained decision log: canonical JSON, entry hashes and chain verification."""

from __future__ import annotations

import copy
import hashlib
import math
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import pytest

from server.errors import ValidationError
from server.governance.log import chain as chain_module
from server.governance.log.chain import (
    GENESIS,
    canonical_json,
    entry_hash,
    new_entry,
    verify_chain,
)

BODIES = [
    {"proposal": "p-1", "outcome": "adopted", "votes": {"yes": 12, "no": 3}},
    {"jury": "j-7", "commitment": "ab" * 32},
    {"note": "Réunion du conseil — ordre du jour ✓"},
    {"appeal": "a-2", "jurors": ["bea", "eli", "jon"]},
    {},
]
KINDS = ["proposal.closed", "jury.committed", "note", "jury.drawn", "heartbeat"]


def build_chain(count: int = 5) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    seq, head = 0, GENESIS
    for i in range(count):
        entry = new_entry(
            after_seq=seq,
            after_hash=head,
            kind=KINDS[i % len(KINDS)],
            recorded_at=f"2026-05-0{i + 1}T12:00:00+00:00",
            body=BODIES[i % len(BODIES)],
        )
        entries.append(entry)
        seq, head = entry["seq"], entry["hash"]
    return entries


# --- a sound chain --------------------------------------------------------------------------


def test_a_chain_of_five_verifies() -> None:
    chain = build_chain()
    report = verify_chain(chain)
    assert report.ok and report.checked == 5
    assert (report.head_seq, report.head_hash) == (5, chain[-1]["hash"])
    assert report.broken_seq is None and report.problem is None
    assert [e["seq"] for e in chain] == [1, 2, 3, 4, 5]
    assert chain[0]["prev_hash"] == GENESIS
    assert all(chain[i]["prev_hash"] == chain[i - 1]["hash"] for i in range(1, 5))


def test_an_empty_log_verifies() -> None:
    report = verify_chain([])
    assert report.ok and report.checked == 0 and report.head_hash == GENESIS


def test_verification_can_resume_from_a_trusted_head() -> None:
    chain = build_chain()
    report = verify_chain(chain[2:], after_seq=2, after_hash=chain[1]["hash"])
    assert report.ok and report.checked == 3
    assert not verify_chain(chain[2:], after_seq=2, after_hash=GENESIS).ok


def test_truncation_is_only_visible_against_a_known_head() -> None:
    chain = build_chain()
    report = verify_chain(chain[:3])
    assert report.ok  # a shorter chain is still a chain...
    assert report.head_hash != chain[-1]["hash"]  # ...but not the head that was published


def test_extra_fields_are_ignored() -> None:
    chain = [{**e, "id": 1000 + e["seq"]} for e in build_chain()]
    assert verify_chain(chain).ok


# --- tampering ------------------------------------------------------------------------------


def edit(index: int, field: str, value: Any) -> Callable[[list[dict]], list[dict]]:
    def change(chain: list[dict]) -> list[dict]:
        chain[index][field] = value
        return chain

    return change


def rewrite_and_rehash(chain: list[dict]) -> list[dict]:
    """A careful forger: changes entry 3 and fixes its hash, but cannot fix entry 4's link."""
    entry = chain[2]
    entry["body"] = {"jury": "j-7", "commitment": "cd" * 32}
    fields = {k: entry[k] for k in ("seq", "prev_hash", "kind", "recorded_at", "body")}
    entry["hash"] = entry_hash(**fields)
    return chain


def without(entry: dict, field: str) -> dict:
    return {k: v for k, v in entry.items() if k != field}


def swap(i: int, j: int) -> Callable[[list[dict]], list[dict]]:
    def change(chain: list[dict]) -> list[dict]:
        chain[i], chain[j] = chain[j], chain[i]
        return chain

    return change


TAMPERING = [
    # (description, change, broken seq, problem)
    ("body value", edit(2, "body", {"jury": "j-8", "commitment": "ab" * 32}), 3, "hash"),
    ("body key added", lambda c: c[1]["body"].update(extra=True) or c, 2, "hash"),
    ("kind", edit(3, "kind", "jury.redrawn"), 4, "hash"),
    ("time", edit(4, "recorded_at", "2026-05-05T12:00:01+00:00"), 5, "hash"),
    ("same instant, new spelling", edit(0, "recorded_at", "2026-05-01T14:00+02:00"), 1, "hash"),
    ("prev", edit(2, "prev_hash", "f" * 64), 3, "prev_hash"),
    ("first prev", edit(0, "prev_hash", "1" * 64), 1, "prev_hash"),
    ("stored hash", edit(1, "hash", "e" * 64), 2, "hash"),
    ("rehashed rewrite", rewrite_and_rehash, 4, "prev_hash"),
    ("deleted middle", lambda c: c[:2] + c[3:], 4, "seq"),
    ("deleted first", lambda c: c[1:], 2, "seq"),
    ("reordered", swap(2, 3), 4, "seq"),
    ("duplicated", lambda c: c[:3] + c[2:], 3, "seq"),
    ("renumbered", edit(2, "seq", 30), 30, "seq"),
    ("seq as text", edit(2, "seq", "3"), None, "seq"),
    ("missing body", lambda c: [*c[:2], without(c[2], "body"), *c[3:]], 3, "malformed"),
    ("NaN in body", edit(2, "body", {"x": math.nan}), 3, "malformed"),
    ("naive time", edit(2, "recorded_at", "2026-05-03T12:00:00"), 3, "malformed"),
    ("not a mapping", lambda c: [*c[:2], ["entry"], *c[3:]], None, "malformed"),
]


@pytest.mark.parametrize(
    ("change", "seq", "problem"),
    [case[1:] for case in TAMPERING],
    ids=[case[0] for case in TAMPERING],
)
def test_tampering_is_found_at_the_right_entry(change, seq: int | None, problem: str) -> None:
    report = verify_chain(change(copy.deepcopy(build_chain())))
    assert not report.ok
    assert (report.broken_seq, report.problem) == (seq, problem)
    assert report.detail
    # Everything before the broken entry was checked and is reported as the head.
    assert report.checked == report.broken_index == report.head_seq


# --- entry hashes ---------------------------------------------------------------------------


def documented_script() -> str:
    """The indented example under "Checking a log without this code" in the module docstring."""
    section = chain_module.__doc__.split("Checking a log without this code")[1]
    section = section.split("What the chain does not prove")[0]
    code = [line for line in section.splitlines() if line.startswith("    ") or not line.strip()]
    return textwrap.dedent("\n".join(code))


def test_the_docstring_script_accepts_a_good_log_and_rejects_a_bad_one() -> None:
    exec(documented_script(), {"entries": build_chain()})
    tampered = build_chain()
    tampered[3]["kind"] = "note"
    with pytest.raises(AssertionError):
        exec(documented_script(), {"entries": tampered})


def test_entry_hash_is_pinned() -> None:
    digest = entry_hash(
        seq=1, prev_hash=GENESIS, kind="note", recorded_at="2026-01-01T00:00:00Z", body={"a": 1}
    )
    text = (
        '{"body":{"a":1},"kind":"note","prev":"' + GENESIS
        + '","recorded_at":"2026-01-01T00:00:00Z","seq":1}'
    )  # fmt: skip
    assert digest == hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"seq": 0}, "seq"),
        ({"seq": True}, "seq"),
        ({"seq": 1.0}, "seq"),
        ({"prev_hash": "0" * 63}, "prev_hash"),
        ({"prev_hash": "A" * 64}, "prev_hash"),
        ({"kind": ""}, "kind"),
        ({"recorded_at": datetime(2026, 1, 1, tzinfo=UTC)}, "ISO 8601 string"),
        ({"recorded_at": "yesterday"}, "not ISO 8601"),
        ({"recorded_at": "2026-01-01T00:00:00"}, "UTC offset"),
        ({"body": ["not", "an", "object"]}, "body"),
    ],
)
def test_entry_fields_are_checked(fields: dict[str, Any], message: str) -> None:
    good = {
        "seq": 1,
        "prev_hash": GENESIS,
        "kind": "note",
        "recorded_at": "2026-01-01T00:00:00+00:00",
        "body": {},
    }
    with pytest.raises(ValidationError, match=message):
        entry_hash(**{**good, **fields})


# --- canonical JSON -------------------------------------------------------------------------

CANONICAL = [
    # (value, exact bytes)
    ({"b": 1, "a": 2}, b'{"a":2,"b":1}'),
    ({"a": 2, "b": 1}, b'{"a":2,"b":1}'),
    ({"z": {"y": [3, 1], "x": None}, "a": True}, b'{"a":true,"z":{"x":null,"y":[3,1]}}'),
    ({"é": "café", "e": "x"}, '{"e":"x","é":"café"}'.encode()),
    (["✓", "日本", "🙂"], '["✓","日本","🙂"]'.encode()),
    # Code-point order puts U+FF01 before U+1F642; UTF-16 order (RFC 8785) would not.
    ({"🙂": 2, "\uff01": 1}, '{"\uff01":1,"🙂":2}'.encode()),
    ('say "hi" \\ \n\t\x07', b'"say \\"hi\\" \\\\ \\n\\t\\u0007"'),
    (MappingProxyType({"k": (1, 2)}), b'{"k":[1,2]}'),
    ({"n": 10**20, "f": 0.5, "neg": -0.0}, b'{"f":0.5,"n":100000000000000000000,"neg":-0.0}'),
]


@pytest.mark.parametrize(("value", "expected"), CANONICAL)
def test_canonical_json_bytes(value: Any, expected: bytes) -> None:
    assert canonical_json(value) == expected


def test_key_order_of_the_input_does_not_matter() -> None:
    forward = {f"k{i}": {"inner": i, "a": [i]} for i in range(50)}
    backward = dict(reversed(list(forward.items())))
    assert canonical_json(forward) == canonical_json(backward)


def test_composed_and_decomposed_unicode_stay_different() -> None:
    # No normalisation: what was recorded is what is hashed.
    assert canonical_json("\u00e9") != canonical_json("e\u0301")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (math.nan, "NaN"),
        ({"x": math.inf}, "NaN and infinities"),
        ([-math.inf], "NaN and infinities"),
        (datetime(2026, 1, 1), "ISO strings"),
        (b"bytes", "not a JSON value"),
        ({"a", "b"}, "not a JSON value"),
        (Decimal("1.5"), "not a JSON value"),
        ({1: "one"}, "keys must be strings"),
        ({"nested": {None: 1}}, "keys must be strings"),
        ("\ud800", "surrogate"),
    ],
)
def test_canonical_json_refuses_what_json_cannot_say(value: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        canonical_json(value)
