"""Parsing JSON from other servers with limits, so a hostile document costs little.

Python's parser has no depth limit of its own (it stops only at the interpreter's recursion
limit), so the depth is measured after parsing, without recursion.
"""

from __future__ import annotations

import json
from typing import Any

from server import jsonio

MAX_DEPTH = 32  # a Mastodon Create(Note) with attachments is about 6 deep


class JsonRefusedError(ValueError):
    """The bytes are not a JSON object we are willing to look at; the message says why."""


def parse_json_object(body: bytes, *, max_depth: int = MAX_DEPTH,
                      exact_integers: bool = True) -> dict[str, Any]:
    """The JSON object in `body`, or JsonRefusedError saying why not.

    `exact_integers=False` parses with orjson, about three times faster, which reads an
    integer beyond 64 bits as a float: for callers that keep the body as received and read
    only a few string fields from the result (the inbox)."""
    if b"\\u0000" in body:
        # PostgreSQL's jsonb cannot hold NUL characters; no real activity carries one.
        raise JsonRefusedError("the document contains a NUL character")
    if exact_integers:
        value = _loads_stdlib(body, max_depth)
    else:
        try:
            value = jsonio.loads(body)
        except ValueError:
            # orjson takes only UTF-8 and refuses what the standard parser accepts (UTF-16
            # and UTF-32 bodies, lone surrogates, NaN) and says less about why: the
            # standard parser decides on what orjson refused, as before.
            value = _loads_stdlib(body, max_depth)
    if not isinstance(value, dict):
        raise JsonRefusedError("the document is not a JSON object")
    if _may_be_deeper(body, max_depth) and too_deep(value, max_depth):
        raise JsonRefusedError(f"the document is nested more than {max_depth} levels deep")
    return value


def _may_be_deeper(body: bytes, limit: int) -> bool:
    # Each level opens a bracket, so a body with few brackets needs no walk (most activities).
    return body.count(b"{") + body.count(b"[") > limit


def _loads_stdlib(body: bytes, max_depth: int) -> Any:
    try:
        return json.loads(body)
    except RecursionError:
        raise JsonRefusedError(
            f"the document is nested more than {max_depth} levels deep") from None
    except (ValueError, UnicodeDecodeError):
        raise JsonRefusedError("the body is not valid JSON") from None


def too_deep(value: object, limit: int) -> bool:
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
