"""The client API across two Commonhold instances, over real HTTP on loopback.

Ada lives on ch.test and Bea on two.test. Each signs in to her own server with the password
grant and does everything through its Mastodon API: Bea finds Ada with a resolving search
and follows her, Ada posts, the post reaches Bea's home timeline over ActivityPub, Bea
replies, and Ada sees the reply as a `mention` notification and in the post's context.
Between steps both workers run until the deliveries and inbox processing have finished.
"""

from __future__ import annotations

from typing import Any

from tests.api.conftest import PASSWORD, bearer
from tests.federation.conftest import fediverse  # noqa: F401  (a fixture pair needs)
from tests.federation.pair import Pair, Side, pair_fixture  # noqa: F401  (the fixture)
from tests.helpers import make_user
from tests.openapi import validate


class Client:
    """One member's view of her own server's API, through the shared loopback session."""

    def __init__(self, side: Side, session: Any, token: str) -> None:
        self.base = side.local.config.url("")
        self.session = session
        self.headers = bearer(token)

    def url(self, path: str) -> str:
        return self.base.rstrip("/") + path

    async def get(self, path: str, **params: Any) -> Any:
        async with self.session.get(self.url(path), headers=self.headers, params=params) as r:
            assert r.status == 200, f"GET {path}: {r.status} {await r.text()}"
            return await r.json()

    async def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        async with self.session.post(self.url(path), headers=self.headers, json=body or {}) as r:
            assert r.status == 200, f"POST {path}: {r.status} {await r.text()}"
            return await r.json()


async def sign_in(side: Side, session: Any, name: str) -> Client:
    """A user made as sign-up makes one, then an app and a token through the real endpoints."""
    local = side.local
    await make_user(local.db, local.config, local.clock, name, password=PASSWORD)
    base = local.config.url("").rstrip("/")
    async with session.post(f"{base}/api/v1/apps", data={
            "client_name": "Phone", "scopes": "read write follow",
            "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}) as r:
        assert r.status == 200, await r.text()
        registered = await r.json()
    async with session.post(f"{base}/oauth/token", data={
            "grant_type": "password", "client_id": registered["client_id"],
            "client_secret": registered["client_secret"], "username": name,
            "password": PASSWORD, "scope": "read write follow"}) as r:
        assert r.status == 200, await r.text()
        token = (await r.json())["access_token"]
    return Client(side, session, token)


async def test_a_post_reaches_a_follower_on_another_instance_and_her_reply_comes_back(
        pair: Pair) -> None:
    session = pair.one.local.ctx.http
    ada = await sign_in(pair.one, session, "ada")
    bea = await sign_in(pair.two, session, "bea")

    # Bea finds Ada by her address (WebFinger and the actor, fetched by two.test) and follows.
    found = await bea.get("/api/v2/search", q="@ada@ch.test", resolve="true", type="accounts")
    assert [a["acct"] for a in found["accounts"]] == ["ada@ch.test"]
    ada_at_two = found["accounts"][0]
    validate(ada_at_two, "Account")
    relationship = await bea.post(f"/api/v1/accounts/{ada_at_two['id']}/follow")
    validate(relationship, "Relationship")
    await pair.settle()
    relationship = (await bea.get("/api/v1/accounts/relationships",
                                  **{"id[]": ada_at_two["id"]}))[0]
    assert relationship["following"] is True and relationship["requested"] is False
    me = await ada.get("/api/v1/accounts/verify_credentials")
    followers = await ada.get(f"/api/v1/accounts/{me['id']}/followers")
    assert [a["acct"] for a in followers] == ["bea@two.test"]

    # Ada posts; the post reaches Bea's home timeline on two.test.
    posted = await ada.post("/api/v1/statuses", {"status": "Seeds are in, who wants some?",
                                                 "visibility": "public"})
    validate(posted, "Status")
    await pair.settle()
    home = await bea.get("/api/v1/timelines/home")
    assert [s["uri"] for s in home] == [posted["uri"]]
    copy = home[0]
    validate(copy, "Status")
    assert copy["account"]["acct"] == "ada@ch.test"
    assert "Seeds are in" in copy["content"] and copy["id"] != posted["id"]

    # Bea replies through her own server; it comes back to ch.test.
    reply = await bea.post("/api/v1/statuses", {"status": "@ada@ch.test Me, please!",
                                                "in_reply_to_id": copy["id"]})
    validate(reply, "Status")
    assert reply["in_reply_to_id"] == copy["id"]
    assert [m["acct"] for m in reply["mentions"]] == ["ada@ch.test"]
    await pair.settle()

    notifications = await ada.get("/api/v1/notifications")
    mentions = [n for n in notifications if n["type"] == "mention"]
    assert len(mentions) == 1, notifications
    for n in notifications:
        validate(n, "Notification")
    mention = mentions[0]
    assert mention["account"]["acct"] == "bea@two.test"
    assert mention["status"]["uri"] == reply["uri"]
    assert mention["status"]["in_reply_to_id"] == posted["id"]
    follows = [n for n in notifications if n["type"] == "follow"]
    assert [n["account"]["acct"] for n in follows] == ["bea@two.test"]

    context = await ada.get(f"/api/v1/statuses/{posted['id']}/context")
    validate(context, "Context")
    assert context["ancestors"] == []
    assert [s["uri"] for s in context["descendants"]] == [reply["uri"]]
    assert context["descendants"][0]["account"]["acct"] == "bea@two.test"
    # And Bea sees the same thread from her side.
    context = await bea.get(f"/api/v1/statuses/{reply['id']}/context")
    assert [s["uri"] for s in context["ancestors"]] == [posted["uri"]]
