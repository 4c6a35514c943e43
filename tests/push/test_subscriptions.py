"""/api/v1/push/subscription: one subscription per access token, Mastodon's entity."""

from __future__ import annotations

from typing import Any

from server.db import Database
from server.oauth import queries as oauth_q
from server.oauth import service as oauth_service
from tests.openapi import validate
from tests.push.fakepush import Device, b64

PATH = "/api/v1/push/subscription"


def _form(device: Device, **extra: str) -> dict[str, str]:
    keys = device.keys()
    return {"subscription[endpoint]": device.endpoint, "subscription[keys][p256dh]": keys["p256dh"],
            "subscription[keys][auth]": keys["auth"], **extra}


async def test_create_show_update_delete(api: Any, member: Any) -> None:
    ada = await member("ada")
    device = Device("phone")
    resp = await api.post(PATH, headers=ada.headers, data=_form(
        device, **{"subscription[standard]": "true", "data[alerts][mention]": "true",
                   "data[alerts][favourite]": "1", "data[alerts][follow]": "false",
                   "data[alerts][nonsense]": "true", "data[policy]": "followed"}))
    assert resp.status == 200, await resp.text()
    created = await resp.json()
    validate(created, "WebPushSubscription")
    assert created["endpoint"] == device.endpoint
    assert created["standard"] is True and created["policy"] == "followed"
    assert created["alerts"]["mention"] is True and created["alerts"]["favourite"] is True
    assert created["alerts"]["follow"] is False and "nonsense" not in created["alerts"]
    instance = await (await api.get("/api/v2/instance")).json()
    assert created["server_key"] == instance["configuration"]["vapid"]["public_key"]
    assert len(created["server_key"]) == 87   # 65 bytes, base64url

    shown = await (await api.get(PATH, headers=ada.headers)).json()
    assert shown == created

    resp = await api.put(PATH, headers=ada.headers,
                         json={"data": {"alerts": {"reblog": True}, "policy": "none"}})
    assert resp.status == 200, await resp.text()
    updated = await resp.json()
    validate(updated, "WebPushSubscription")
    assert updated["id"] == created["id"] and updated["policy"] == "none"
    assert [k for k, v in updated["alerts"].items() if v] == ["reblog"]

    resp = await api.delete(PATH, headers=ada.headers)
    assert resp.status == 200 and await resp.json() == {}
    resp = await api.get(PATH, headers=ada.headers)
    assert resp.status == 404 and (await resp.json())["error"] == "Record not found"
    assert (await api.put(PATH, headers=ada.headers, json={"data": {}})).status == 404
    assert (await api.delete(PATH, headers=ada.headers)).status == 200


async def test_json_body_and_defaults(api: Any, member: Any) -> None:
    ada = await member("ada")
    device = Device("browser")
    resp = await api.post(PATH, headers=ada.headers,
                          json={"subscription": {"endpoint": device.endpoint, "keys": device.keys()}})
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    validate(body, "WebPushSubscription")
    assert body["standard"] is False and body["policy"] == "all"
    assert not any(body["alerts"].values())


async def test_a_new_post_replaces_the_tokens_subscription(api: Any, member: Any) -> None:
    ada = await member("ada")
    first = await (await api.post(PATH, headers=ada.headers, data=_form(Device("one")))).json()
    second = await (await api.post(PATH, headers=ada.headers, data=_form(Device("two")))).json()
    assert second["id"] != first["id"]
    shown = await (await api.get(PATH, headers=ada.headers)).json()
    assert shown["endpoint"] == Device("two").endpoint


async def test_each_token_has_its_own(api: Any, member: Any, db: Database) -> None:
    ada = await member("ada")
    bob = await member("bob")
    await api.post(PATH, headers=ada.headers, data=_form(Device("ada-phone")))
    assert (await api.get(PATH, headers=bob.headers)).status == 404


async def test_needs_the_push_scope(api: Any, member: Any) -> None:
    ada = await member("ada", scope="read write follow")
    for method in ("get", "post", "put", "delete"):
        resp = await getattr(api, method)(PATH, headers=ada.headers, data=_form(Device("x")))
        assert resp.status == 403, method
    assert (await api.get(PATH)).status == 401
    pusher = await member("bob", scope="push")
    resp = await api.post(PATH, headers=pusher.headers, data=_form(Device("y")))
    assert resp.status == 200, await resp.text()


async def test_bad_input_is_refused_with_the_field(api: Any, member: Any) -> None:
    ada = await member("ada")
    device = Device("bad")
    cases = [
        ({**_form(device), "subscription[keys][p256dh]": b64(b"\x04" + b"\x00" * 64)},
         "subscription[keys][p256dh]"),
        ({**_form(device), "subscription[keys][p256dh]": b64(b"\x01" * 33)},
         "subscription[keys][p256dh]"),
        ({**_form(device), "subscription[keys][auth]": b64(b"short")}, "subscription[keys][auth]"),
        ({**_form(device), "subscription[keys][auth]": ""}, "subscription[keys][auth]"),
        ({**_form(device), "subscription[endpoint]": ""}, "subscription[endpoint]"),
        ({**_form(device), "subscription[endpoint]": "ftp://push.test/x"}, "subscription[endpoint]"),
        ({**_form(device), "data[policy]": "everyone"}, "data[policy]"),
    ]
    for form, field in cases:
        resp = await api.post(PATH, headers=ada.headers, data=form)
        assert resp.status == 422, (field, await resp.text())
        assert field in (await resp.json())["error"]
    resp = await api.post(PATH, headers=ada.headers, data={"data[policy]": "all"})
    assert resp.status == 400
    assert (await api.get(PATH, headers=ada.headers)).status == 404
    await api.post(PATH, headers=ada.headers, data=_form(device))
    resp = await api.put(PATH, headers=ada.headers, data={"data[policy]": "sometimes"})
    assert resp.status == 422 and "data[policy]" in (await resp.json())["error"]


async def test_endpoint_must_be_https_unless_http_is_allowed(aiohttp_client: Any, app_factory: Any,
                                                             member: Any) -> None:
    ada = await member("ada")
    client = await aiohttp_client(app_factory(allow_http=False, base_url="https://ch.test"))
    resp = await client.post(PATH, headers=ada.headers, data=_form(Device("plain")))
    assert resp.status == 422 and "subscription[endpoint]" in (await resp.json())["error"]
    form = {**_form(Device("tls")), "subscription[endpoint]": "https://push.test/wpush/tls"}
    assert (await client.post(PATH, headers=ada.headers, data=form)).status == 200


async def test_revoking_the_token_removes_its_subscription(api: Any, member: Any,
                                                           db: Database, clock: Any) -> None:
    ada = await member("ada")
    await api.post(PATH, headers=ada.headers, data=_form(Device("phone")))
    async with db.transaction() as conn:
        row = await oauth_q.get_token_context(conn, token_hash=oauth_service.digest(ada.token))
        assert row is not None
        await oauth_q.revoke_token(conn, token_id=row.token_id, now=clock.now())
        assert await conn.fetchval("SELECT count(*) FROM push_subscriptions") == 0


async def test_vapid_key_in_instance_and_application(api: Any, member: Any) -> None:
    instance = await (await api.get("/api/v2/instance")).json()
    key = instance["configuration"]["vapid"]["public_key"]
    assert len(key) == 87 and key.startswith("B")     # 0x04 prefix of an uncompressed point
    resp = await api.post("/api/v1/apps", data={"client_name": "Phone", "scopes": "read push",
                                                "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"})
    assert (await resp.json())["vapid_key"] == key
    ada = await member("ada")
    app = await (await api.get("/api/v1/apps/verify_credentials", headers=ada.headers)).json()
    assert app["vapid_key"] == key
    again = await (await api.get("/api/v2/instance")).json()
    assert again["configuration"]["vapid"]["public_key"] == key
