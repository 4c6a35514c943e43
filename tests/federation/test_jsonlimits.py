"""Parsing bodies from other servers: orjson first, the standard parser for what it refuses,
so an answer never depends on which of the two read the bytes."""

from __future__ import annotations

import json

import pytest

from server.federation.jsonlimits import MAX_DEPTH, JsonRefusedError, parse_json_object


@pytest.mark.parametrize("body", [
    '{"a": [1, 2, {"b": "c"}], "d": null}'.encode(),
    json.dumps({"name": "Zoë ✓"}, ensure_ascii=False).encode("utf-16"),   # with a BOM
    json.dumps({"name": "Zoë"}).encode("utf-32-le"),
    b'{"x": NaN, "y": Infinity}',
    b'{"lone": "\\ud800"}',
    b'\xef\xbb\xbf{"bom": true}'[3:],
])
@pytest.mark.parametrize("exact", [True, False])
def test_what_either_parser_accepts_parses_as_the_standard_library_does(body: bytes,
                                                                        exact: bool) -> None:
    expected = json.loads(body)
    got = parse_json_object(body, exact_integers=exact)
    assert json.dumps(got, sort_keys=True) == json.dumps(expected, sort_keys=True)


def test_integers_beyond_64_bits_stay_exact_unless_the_caller_says_otherwise() -> None:
    body = b'{"big": 123456789012345678901234567890, "small": 12}'
    assert parse_json_object(body) == {"big": 123456789012345678901234567890, "small": 12}
    fast = parse_json_object(body, exact_integers=False)
    assert fast["small"] == 12 and fast["big"] == pytest.approx(1.2345678901234568e29)


def _nested(depth: int) -> bytes:
    return ('{"a": ' * (depth - 1) + "{}" + "}" * (depth - 1)).encode()


@pytest.mark.parametrize("exact", [True, False])
def test_the_depth_limit_holds_at_the_edge(exact: bool) -> None:
    assert parse_json_object(_nested(MAX_DEPTH), exact_integers=exact)
    with pytest.raises(JsonRefusedError, match="levels deep"):
        parse_json_object(_nested(MAX_DEPTH + 1), exact_integers=exact)
    with pytest.raises(JsonRefusedError, match="levels deep"):
        # past orjson's own limit and Python's recursion limit
        parse_json_object(_nested(5000), exact_integers=exact)


@pytest.mark.parametrize(("body", "why"), [
    (b"[1, 2]", "not a JSON object"),
    (b'"text"', "not a JSON object"),
    (b"{nope", "not valid JSON"),
    (b"\xff\xfe\x00", "not valid JSON"),
    (b'{"a": "\\u0000"}', "NUL character"),
])
@pytest.mark.parametrize("exact", [True, False])
def test_refusals_say_why(body: bytes, why: str, exact: bool) -> None:
    with pytest.raises(JsonRefusedError, match=why):
        parse_json_object(body, exact_integers=exact)
