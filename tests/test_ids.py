"""Parsing ids that arrive in URLs and query strings."""

from __future__ import annotations

import pytest

from server.ids import MAX_ID, new_id, parse_id


@pytest.mark.parametrize(("text", "expected"), [
    ("1", 1),
    ("0", 0),
    (str(MAX_ID), MAX_ID),
    (str(MAX_ID + 1), None),
    ("99999999999999999999", None),
    ("", None),
    ("-1", None),
    ("+1", None),
    (" 1", None),
    ("1e3", None),
    ("١٢٣", None),  # Arabic-Indic digits: str.isdigit() says yes, int() would accept them
])
def test_parse_id(text: str, expected: int | None) -> None:
    assert parse_id(text) == expected


def test_new_ids_round_trip() -> None:
    made = new_id()
    assert parse_id(str(made)) == made
