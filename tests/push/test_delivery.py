"""Notifications reach subscribed devices through a push service on loopback, which
decrypts each message and checks its VAPID signature (tests/push/fakepush.py)."""

from __future__ import annotations

from typing import Any

from server.db import Database
from tests.push.fakepush import Device, FakePushService

PATH = "/api/v1/push/subscription"


async def _subscribe(api: Any, member: Any, device: Device, *, standard: bool = True,
                     alerts: dict[str, bool] | None = None, policy: str = "all") -> None:
    body = {"subscription": {"endpoint": device.endpoint, "keys": device.keys(),
                             "standard": standard},
            "data": {"alerts": alerts if alerts is not None else {"mention": True, "follow": True},
                     "policy": policy}}
    resp = await api.post(PATH, headers=member.headers, json=body)
    assert resp.status == 200, await resp.text()


async def _mention(api: Any, author: Any, text: str = "@ada hello there") -> dict[str, Any]:
    resp = await api.post("/api/v1/statuses", headers=author.headers, json={"status": text})
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def _notification_ids(api: Any, member: Any) -> list[str]:
    return [n["id"] for n in await (await api.get("/api/v1/notifications",
                                                  headers=member.headers)).json()]


async def test_a_mention_pushes_once_to_a_standard_subscription(
        api: Any, member: Any, push_service: FakePushService, push_worker: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    await api.patch("/api/v1/accounts/update_credentials", headers=bob.headers,
                    data={"display_name": "Bob B."})
    device = push_service.device("ada-phone")
    await _subscribe(api, ada, device)
    await _mention(api, bob, "@ada are you coming to the meeting? " + "x" * 200)
    await push_worker().run_until_idle()

    assert push_service.errors == []
    assert len(push_service.received) == 1
    got = push_service.received[0]
    assert got.encoding == "aes128gcm"
    assert got.headers["TTL"] == str(48 * 3600) and got.headers["Urgency"] == "normal"
    assert got.claims["sub"] == "mailto:admins@ch.test"
    message = got.message
    assert str(message["notification_id"]) == (await _notification_ids(api, ada))[0]
    assert message["notification_type"] == "mention"
    assert message["access_token"] == ada.token
    assert message["preferred_locale"] == "en"
    assert message["title"] == "Bob B. mentioned you"
    assert message["body"].startswith("@ada are you coming to the meeting?")
    assert len(message["body"]) == 140 and message["body"].endswith("…")
    assert message["icon"].startswith("http://ch.test/")
    # The token works for fetching the notification, which is what the apps do with it.
    resp = await api.get(f"/api/v1/notifications/{message['notification_id']}",
                         headers={"Authorization": f"Bearer {message['access_token']}"})
    assert resp.status == 200


async def test_legacy_subscription_gets_aesgcm(api: Any, member: Any,
                                               push_service: FakePushService,
                                               push_worker: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    await _subscribe(api, ada, push_service.device("old-app"), standard=False)
    await _mention(api, bob)
    await push_worker().run_until_idle()
    assert push_service.errors == []
    [got] = push_service.received
    assert got.encoding == "aesgcm"
    assert got.headers["Authorization"].startswith("WebPush ")
    assert got.message["notification_type"] == "mention"


async def test_follow_pushes_with_the_bio_as_body(api: Any, member: Any,
                                                  push_service: FakePushService,
                                                  push_worker: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    await api.patch("/api/v1/accounts/update_credentials", headers=bob.headers,
                    data={"note": "I grow tomatoes & beans.\n\nAsk me about <soil>"})
    await _subscribe(api, ada, push_service.device("ada-phone"))
    resp = await api.post(f"/api/v1/accounts/{ada.user.account_id}/follow", headers=bob.headers)
    assert resp.status == 200, await resp.text()
    await push_worker().run_until_idle()
    [got] = push_service.received
    assert got.message["notification_type"] == "follow"
    assert got.message["title"] == "bob followed you"
    assert got.message["body"] == "I grow tomatoes & beans. Ask me about <soil>"


async def test_alert_off_for_the_type_pushes_nothing(api: Any, member: Any,
                                                     push_service: FakePushService,
                                                     push_worker: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    await _subscribe(api, ada, push_service.device("ada-phone"),
                     alerts={"mention": False, "follow": True})
    await _mention(api, bob)
    await push_worker().run_until_idle()
    assert push_service.received == [] and push_service.errors == []


async def test_policy_none_pushes_nothing(api: Any, member: Any, push_service: FakePushService,
                                          push_worker: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    await _subscribe(api, ada, push_service.device("ada-phone"), policy="none")
    await _mention(api, bob)
    await push_worker().run_until_idle()
    assert push_service.received == []


async def test_policy_followed_and_follower(api: Any, member: Any, push_service: FakePushService,
                                            push_worker: Any) -> None:
    ada, bob, cy = await member("ada"), await member("bob"), await member("cy")
    await _subscribe(api, ada, push_service.device("ada-phone"), policy="followed")
    await api.post(f"/api/v1/accounts/{bob.user.account_id}/follow", headers=ada.headers)
    await _mention(api, bob, "@ada from someone you follow")
    await _mention(api, cy, "@ada from a stranger")
    await push_worker().run_until_idle()
    assert [r.message["body"] for r in push_service.received] == ["@ada from someone you follow"]

    await api.put(PATH, headers=ada.headers,
                  json={"data": {"alerts": {"mention": True}, "policy": "follower"}})
    await api.post(f"/api/v1/accounts/{ada.user.account_id}/follow", headers=cy.headers)
    await _mention(api, bob, "@ada bob again")
    await _mention(api, cy, "@ada cy follows you")
    await push_worker().run_until_idle()
    assert [r.message["body"] for r in push_service.received][1:] == ["@ada cy follows you"]


async def test_each_device_of_the_account_gets_its_own(api: Any, member: Any, db: Database,
                                                       push_service: FakePushService,
                                                       push_worker: Any) -> None:
    phone_token, bob = await member("ada"), await member("bob")
    await _subscribe(api, phone_token, push_service.device("phone"))
    tablet = await _second_token(db, phone_token)
    await _subscribe(api, tablet, push_service.device("tablet"))
    await _mention(api, bob)
    await push_worker().run_until_idle()
    assert sorted(r.device for r in push_service.received) == ["phone", "tablet"]
    by_device = {r.device: r.message["access_token"] for r in push_service.received}
    assert by_device == {"phone": phone_token.token, "tablet": tablet.token}


async def test_gone_subscription_is_deleted(api: Any, member: Any, db: Database,
                                            push_service: FakePushService,
                                            push_worker: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    await _subscribe(api, ada, push_service.device("ada-phone"))
    push_service.answers["ada-phone"] = 410
    await _mention(api, bob)
    await push_worker().run_until_idle()
    assert len(push_service.received) == 1
    assert (await api.get(PATH, headers=ada.headers)).status == 404
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM jobs WHERE state = 'failed'") == 0


async def test_rate_limited_push_is_retried_later(api: Any, member: Any, db: Database,
                                                  clock: Any, push_service: FakePushService,
                                                  push_worker: Any) -> None:
    from datetime import timedelta

    ada, bob = await member("ada"), await member("bob")
    await _subscribe(api, ada, push_service.device("ada-phone"))
    push_service.answers["ada-phone"] = 429
    push_service.retry_after = "120"
    await _mention(api, bob)
    await push_worker().run_until_idle()
    assert len(push_service.received) == 1
    async with db.acquire() as conn:
        run_at = await conn.fetchval(
            "SELECT run_at FROM jobs WHERE kind = 'push.deliver' AND state = 'ready'")
    assert run_at == clock.now() + timedelta(seconds=120)   # as the push service asked
    push_service.answers["ada-phone"] = 201
    clock.advance(timedelta(minutes=5))
    await push_worker().run_until_idle()
    assert len(push_service.received) == 2
    assert (await api.get(PATH, headers=ada.headers)).status == 200


async def test_other_client_errors_give_up_and_keep_the_subscription(
        api: Any, member: Any, db: Database, push_service: FakePushService,
        push_worker: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    await _subscribe(api, ada, push_service.device("ada-phone"))
    push_service.answers["ada-phone"] = 413
    await _mention(api, bob)
    await push_worker().run_until_idle()
    async with db.acquire() as conn:
        failed = await conn.fetchval(
            "SELECT count(*) FROM jobs WHERE kind = 'push.deliver' AND state = 'failed'")
    assert failed == 1
    assert (await api.get(PATH, headers=ada.headers)).status == 200


async def test_private_addresses_are_refused_unless_allowed(
        api: Any, member: Any, db: Database, clock: Any, api_config: Any,
        push_service: FakePushService) -> None:
    from server.federation.activitypub.http import client_session
    from server.jobs.context import JobContext
    from server.jobs.registry import job_handlers
    from server.jobs.worker import Worker

    ada, bob = await member("ada"), await member("bob")
    device = push_service.device("loopback")
    port = push_service.port
    resp = await api.post(PATH, headers=ada.headers, json={
        "subscription": {"endpoint": f"http://127.0.0.1:{port}/wpush/loopback",
                         "keys": device.keys()}, "data": {"alerts": {"mention": True}}})
    assert resp.status == 200
    await _mention(api, bob)
    session = client_session(api_config)          # allow_private_addresses is off
    try:
        await Worker(JobContext(db=db, clock=clock, config=api_config, http=session),
                     job_handlers()).run_until_idle()
    finally:
        await session.close()
    assert push_service.received == []
    async with db.acquire() as conn:
        error = await conn.fetchval(
            "SELECT last_error FROM jobs WHERE kind = 'push.deliver' AND state = 'failed'")
    assert "not a public address" in error


async def test_unsubscribed_before_delivery_sends_nothing(api: Any, member: Any,
                                                          push_service: FakePushService,
                                                          push_worker: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    await _subscribe(api, ada, push_service.device("ada-phone"))
    await _mention(api, bob)
    await api.delete(PATH, headers=ada.headers)
    await push_worker().run_until_idle()
    assert push_service.received == []


async def _second_token(db: Database, first: Any) -> Any:
    """Another token of the same user (a second device signed in)."""
    import secrets

    from server.ids import new_id
    from server.oauth import queries as oauth_q
    from server.oauth import service as oauth_service
    from server.oauth.service import OOB
    from tests.api.conftest import Member

    token = secrets.token_urlsafe(32)
    async with db.transaction() as conn:
        created = await oauth_service.register_application(
            conn, name="Tablet", redirect_uris=OOB, scopes="read push", website=None,
            now=first.user.created_at)
        await oauth_q.insert_access_token(
            conn, token_id=new_id(), token_hash=oauth_service.digest(token),
            application_id=created.application.id, user_id=first.user.id,
            scopes=["read", "push"], now=first.user.created_at)
    return Member(first.user, token)
