"""Paging parameters and Link headers, as Mastodon builds them."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web

from server.api.pagination import Page, link_header, page_params, paginate
from server.api.params import Params, read_params
from tests.conftest import make_config

CONFIG = make_config(domain="social.example", base_url="https://social.example")


@pytest.mark.parametrize(("raw", "default", "maximum", "expected"), [
    ({}, 20, None, 20),
    ({"limit": "5"}, 20, None, 5),
    ({"limit": "500"}, 20, None, 40),
    ({"limit": "500"}, 40, None, 80),
    ({"limit": "500"}, 20, 80, 80),
    ({"limit": "-3"}, 20, None, 3),
    ({"limit": "0"}, 20, None, 1),
    ({"limit": "lots"}, 20, None, 20),
])
def test_limit_defaults_and_caps(raw: dict[str, str], default: int, maximum: int | None,
                                 expected: int) -> None:
    assert page_params(Params(raw), default=default, maximum=maximum).limit == expected


def test_ids_are_read_and_junk_ignored() -> None:
    page = page_params(Params({"max_id": "110", "since_id": "abc",
                               "min_id": "99999999999999999999"}))
    assert page == Page(max_id=110, since_id=None, min_id=None, limit=20)
    assert page_params(Params({"min_id": "7"})).oldest_first


def test_link_header_keeps_other_parameters_and_uses_the_public_url() -> None:
    header = link_header(CONFIG, "/api/v1/accounts/1/statuses/",
                         [("only_media", "true"), ("limit", "2"), ("max_id", "50"),
                          ("access_token", "secret")],
                         next_max_id=40, prev_min_id=48)
    assert header == (
        '<https://social.example/api/v1/accounts/1/statuses?only_media=true&limit=2&max_id=40>; '
        'rel="next", '
        '<https://social.example/api/v1/accounts/1/statuses?only_media=true&limit=2&min_id=48>; '
        'rel="prev"')
    assert link_header(CONFIG, "/x", [], next_max_id=None, prev_min_id=None) is None


async def _listing(request: web.Request) -> web.Response:
    page = page_params(await read_params(request), default=3)
    ids = [i for i in range(10, 0, -1) if page.max_id is None or i < page.max_id][:page.limit]
    response = web.json_response(ids)
    paginate(response, request, CONFIG, page, ids)
    return response


async def test_next_link_only_on_full_pages(aiohttp_client: Any) -> None:
    app = web.Application()
    app.router.add_get("/api/v1/things", _listing)
    client = await aiohttp_client(app)
    full = await client.get("/api/v1/things", headers={"Host": "evil.test"})
    assert await full.json() == [10, 9, 8]
    assert full.headers["Link"] == ('<https://social.example/api/v1/things?max_id=8>; rel="next", '
                                   '<https://social.example/api/v1/things?min_id=10>; rel="prev"')
    last = await client.get("/api/v1/things?max_id=3")
    assert await last.json() == [2, 1]
    assert last.headers["Link"] == '<https://social.example/api/v1/things?min_id=2>; rel="prev"'
    empty = await client.get("/api/v1/things?max_id=1")
    assert "Link" not in empty.headers


def test_link_query_is_encoded_as_urlencode_encodes_it() -> None:
    from urllib.parse import urlencode

    from server.api.pagination import _encode
    for pairs in ([("limit", "20"), ("max_id", "123")], [("types[]", "a b"), ("q", "é&=+/")],
                  [("a.b~c-d", "e_f"), ("empty", "")]):
        assert _encode(pairs) == urlencode(pairs)
