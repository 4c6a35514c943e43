"""Outgoing fetches: signed by the instance actor, and refused or cut short where the rules
say so (addresses, scheme, size, redirects, time, spoofed ids)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import web

from server.app import make_client_session
from server.clock import FrozenClock
from server.db import Database
from server.federation.activitypub import instance_actor
from server.federation.activitypub.fetch import (
    FetchError,
    FetchGoneError,
    FetchInvalidError,
    FetchNotFoundError,
    FetchRefusedError,
    FetchTooLargeError,
    FetchUnavailableError,
    fetch_json,
    fetch_object,
)
from server.federation.activitypub.signatures import (
    load_public_key,
    parse_request_signature,
    verify_parsed,
)
from server.federation.netguard import is_public_address
from server.jobs.context import JobContext
from tests.conftest import make_config
from tests.fakes.fediverse import FakeServer, Fediverse, never
from tests.federation.conftest import Local


async def test_fetch_is_signed_by_the_instance_actor(local: Local, mastodon: FakeServer) -> None:
    alice = mastodon.add_actor("alice")
    fetched = await fetch_object(local.ctx, alice.uri)
    assert fetched.data["id"] == alice.uri and fetched.url == alice.uri
    [(method, path, headers)] = [r for r in mastodon.requests if r[1] == "/users/alice"]
    assert 'keyId="http://ch.test/actor#main-key"' in headers["Signature"]
    assert 'headers="(request-target) host date accept"' in headers["Signature"]
    assert headers["Accept"].startswith("application/activity+json")
    parsed = parse_request_signature(method=method, path_qs=path, headers=headers, body=b"",
                                     now=local.clock.now(), scheme="http")
    signer = await instance_actor.get_instance_actor(local.db, local.clock)
    verify_parsed(parsed, load_public_key(signer.public_key_pem))


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1",
                                     "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1",
                                     "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "ff02::1",
                                     "2002:7f00:1::"])
def test_private_loopback_link_local_and_multicast_addresses_are_not_public(
        address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700:4700::1111"])
def test_global_addresses_are_public(address: str) -> None:
    assert is_public_address(address)


async def _strict_ctx(db: Database, clock: FrozenClock, fediverse: Fediverse,
                      **overrides: Any) -> JobContext:
    config = make_config(**overrides)
    session = make_client_session(config, resolver=fediverse.resolver())
    return JobContext(db=db, clock=clock, config=config, http=session)


async def test_a_host_resolving_to_a_private_address_is_refused_unless_allowed(
        db: Database, clock: FrozenClock, fediverse: Fediverse, mastodon: FakeServer) -> None:
    alice = mastodon.add_actor("alice")
    ctx = await _strict_ctx(db, clock, fediverse, allow_private_addresses=False)
    try:
        with pytest.raises(FetchRefusedError, match="not a public address"):
            await fetch_object(ctx, alice.uri)
        port = fediverse.ports["mastodon.test"]
        with pytest.raises(FetchRefusedError, match="not a public address"):
            await fetch_object(ctx, f"http://127.0.0.1:{port}/users/alice")
        with pytest.raises(FetchRefusedError):
            await fetch_object(ctx, f"http://[::1]:{port}/users/alice")
    finally:
        await ctx.http.close()  # type: ignore[union-attr]
    assert mastodon.requests == []


async def test_plain_http_is_refused_unless_allowed(db: Database, clock: FrozenClock,
                                                    fediverse: Fediverse,
                                                    mastodon: FakeServer) -> None:
    alice = mastodon.add_actor("alice")
    ctx = await _strict_ctx(db, clock, fediverse, allow_http=False, base_url="https://ch.test",
                            allow_private_addresses=True)
    try:
        with pytest.raises(FetchRefusedError, match="http scheme is not allowed"):
            await fetch_object(ctx, alice.uri)
    finally:
        await ctx.http.close()  # type: ignore[union-attr]
    assert mastodon.requests == []


def _big(size: int, *, chunked: bool) -> Any:
    async def handler(request: web.Request) -> web.StreamResponse:
        body = json.dumps({"id": "x", "pad": "a" * size}).encode()
        if not chunked:
            return web.Response(body=body, content_type="application/activity+json")
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(body), 65536):
            await response.write(body[start:start + 65536])
        await response.write_eof()
        return response
    return handler


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_document_over_one_mebibyte_is_refused(local: Local, mastodon: FakeServer,
                                                       chunked: bool) -> None:
    mastodon.custom["/big"] = _big(2 * 1024 * 1024, chunked=chunked)
    with pytest.raises(FetchTooLargeError):
        await fetch_json(local.ctx, "http://mastodon.test/big")


def _redirect_to(location: str) -> Any:
    async def handler(request: web.Request) -> web.Response:
        raise web.HTTPFound(location)
    return handler


async def test_three_redirects_are_followed_and_a_fourth_is_refused(local: Local,
                                                                    mastodon: FakeServer) -> None:
    alice = mastodon.add_actor("alice")
    for hop in range(1, 5):
        mastodon.custom[f"/r{hop}"] = _redirect_to(f"/r{hop + 1}" if hop < 4 else "/users/alice")
    fetched = await fetch_object(local.ctx, "http://mastodon.test/r2")
    assert fetched.url == alice.uri
    with pytest.raises(FetchRefusedError, match="more than 3 redirects"):
        await fetch_object(local.ctx, "http://mastodon.test/r1")


async def test_every_redirect_hop_is_checked_again(local: Local, mastodon: FakeServer) -> None:
    mastodon.custom["/to-file"] = _redirect_to("file:///etc/passwd")
    with pytest.raises(FetchRefusedError, match="scheme is not allowed"):
        await fetch_json(local.ctx, "http://mastodon.test/to-file")


async def test_a_redirect_to_another_host_cannot_vouch_for_the_first(
        local: Local, mastodon: FakeServer, gts: FakeServer) -> None:
    bob = gts.add_actor("bob")
    mastodon.custom["/users/mallory"] = _redirect_to(bob.uri)
    fetched = await fetch_object(local.ctx, "http://mastodon.test/users/mallory")
    assert fetched.url == bob.uri  # callers see where it really came from


@pytest.mark.parametrize(("status", "error", "retryable"), [
    (404, FetchNotFoundError, False), (410, FetchGoneError, False), (403, FetchError, False),
    (500, FetchUnavailableError, True), (503, FetchUnavailableError, True),
    (429, FetchUnavailableError, True),
])
async def test_error_statuses_say_whether_to_retry(local: Local, mastodon: FakeServer,
                                                   status: int, error: type[FetchError],
                                                   retryable: bool) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=status)
    mastodon.custom["/thing"] = handler
    with pytest.raises(error) as raised:
        await fetch_json(local.ctx, "http://mastodon.test/thing")
    assert raised.value.retryable is retryable


async def test_a_server_that_never_answers_times_out_and_may_be_retried(
        local: Local, mastodon: FakeServer) -> None:
    mastodon.custom["/slow"] = never
    with pytest.raises(FetchUnavailableError, match="no answer") as raised:
        await fetch_json(local.ctx, "http://mastodon.test/slow", timeout=0.2)
    assert raised.value.retryable


async def test_unknown_hosts_never_reach_the_network(local: Local) -> None:
    with pytest.raises(FetchUnavailableError, match="cannot connect"):
        await fetch_json(local.ctx, "http://example.com/")


async def test_documents_that_are_not_what_we_asked_for_are_invalid(
        local: Local, mastodon: FakeServer) -> None:
    async def not_json(request: web.Request) -> web.Response:
        return web.Response(text="<html>hello</html>", content_type="text/html")
    mastodon.custom["/page"] = not_json
    mastodon.objects["/spoof"] = {"id": "http://gts.test/users/bob/statuses/1", "type": "Note"}
    with pytest.raises(FetchInvalidError, match="not valid JSON"):
        await fetch_json(local.ctx, "http://mastodon.test/page")
    with pytest.raises(FetchInvalidError, match="from another host"):
        await fetch_object(local.ctx, "http://mastodon.test/spoof")
