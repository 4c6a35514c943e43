"""Request parameters: query, form, multipart and JSON read alike, Rails-style nesting,
booleans, and a bad value named in a 422."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from server.api.params import Params, _tree, read_params
from server.errors import ValidationError
from server.web.errors import error_middleware


def test_rails_style_keys_nest() -> None:
    tree = _tree([("id[]", "1"), ("id[]", "2"), ("source[privacy]", "unlisted"),
                  ("fields_attributes[0][name]", "a"), ("fields_attributes[0][value]", "b"),
                  ("fields_attributes[1][name]", "c"), ("plain", "x"), ("plain", "y")])
    assert tree == {"id": ["1", "2"], "source": {"privacy": "unlisted"},
                    "fields_attributes": {"0": {"name": "a", "value": "b"}, "1": {"name": "c"}},
                    "plain": "y"}


@pytest.mark.parametrize(("raw", "expected"), [
    ("true", True), ("1", True), ("TRUE", True), ("on", True), (True, True),
    ("false", False), ("0", False), ("f", False), (False, False), (0, False),
    ("", None), (None, None),
])
def test_booleans(raw: Any, expected: bool | None) -> None:
    assert Params({"b": raw} if raw is not None else {}).bool("b") is expected


@pytest.mark.parametrize("raw", ["maybe", "2", [], {"x": 1}])
def test_a_bad_boolean_names_the_field(raw: Any) -> None:
    with pytest.raises(ValidationError) as err:
        Params({"source": {"sensitive": raw}}).nested("source").bool("sensitive")
    assert "source[sensitive]" in err.value.message


def test_strings_lists_and_nested_lists() -> None:
    p = Params({"n": 5, "s": "a\x00b", "l": "one", "fa": [{"name": "x"}], "long": "x" * 31})
    assert p.str("n") == "5"
    with pytest.raises(ValidationError):
        p.str("s")
    assert p.list("l") == ["one"]
    assert [f.str("name") for f in p.nested_list("fa")] == ["x"]
    with pytest.raises(ValidationError) as err:
        p.str("long", max_length=30)
    assert "long is too long" in err.value.message
    with pytest.raises(ValidationError):
        p.str("missing", required=True)
    assert p.int("n", maximum=10) == 5
    with pytest.raises(ValidationError):
        Params({"n": "x"}).int("n")


async def _echo(request: web.Request) -> web.Response:
    p = await read_params(request)
    return web.json_response({
        "name": p.str("name"), "flag": p.bool("flag"), "ids": p.list("id"),
        "privacy": p.nested("source").str("privacy"),
        "fields": [[f.str("name"), f.str("value")] for f in p.nested_list("fields_attributes")],
    })


@pytest.fixture
async def echo(aiohttp_client: Any) -> Any:
    app = web.Application(middlewares=[error_middleware])
    app.router.add_route("*", "/api/v1/echo", _echo)
    return await aiohttp_client(app)


EXPECTED = {"name": "ada", "flag": True, "ids": ["1", "2"], "privacy": "private",
            "fields": [["web", "https://x.test"], ["pronouns", "she/her"]]}


async def test_query_form_multipart_and_json_read_the_same(echo: Any) -> None:
    pairs = [("name", "ada"), ("flag", "1"), ("id[]", "1"), ("id[]", "2"),
             ("source[privacy]", "private"),
             ("fields_attributes[0][name]", "web"), ("fields_attributes[0][value]", "https://x.test"),
             ("fields_attributes[1][name]", "pronouns"), ("fields_attributes[1][value]", "she/her")]
    by_query = await echo.get("/api/v1/echo", params=pairs)
    by_form = await echo.post("/api/v1/echo", data=pairs)
    multipart = aiohttp.FormData()
    for key, value in pairs:
        multipart.add_field(key, value)
    multipart.add_field("dummy", b"file", filename="f.bin")
    by_multipart = await echo.post("/api/v1/echo", data=multipart)
    by_json = await echo.post("/api/v1/echo", json={
        "name": "ada", "flag": True, "id": ["1", "2"], "source": {"privacy": "private"},
        "fields_attributes": [{"name": "web", "value": "https://x.test"},
                              {"name": "pronouns", "value": "she/her"}]})
    for resp in (by_query, by_form, by_multipart, by_json):
        assert resp.status == 200
        assert await resp.json() == EXPECTED


async def test_the_body_wins_over_the_query(echo: Any) -> None:
    resp = await echo.post("/api/v1/echo?name=query", data={"name": "body"})
    assert (await resp.json())["name"] == "body"


async def test_broken_json_is_a_400(echo: Any) -> None:
    resp = await echo.post("/api/v1/echo", data="{not json",
                           headers={"Content-Type": "application/json"})
    assert resp.status == 400
    assert "JSON" in (await resp.json())["error"]
    resp = await echo.post("/api/v1/echo", data=json.dumps([1, 2]),
                           headers={"Content-Type": "application/json"})
    assert resp.status == 400


async def test_a_bad_value_is_a_422_naming_it(echo: Any) -> None:
    resp = await echo.post("/api/v1/echo", json={"flag": "sometimes"})
    assert resp.status == 422
    assert await resp.json() == {"error": "flag must be true or false"}
