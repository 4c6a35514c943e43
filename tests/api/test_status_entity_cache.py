"""Status entities are built from a part kept in process (status_shared) and per-request
values: every change a reader can see shows on the next GET, and a page built from cached
parts is the same, byte for byte, as one built from nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from server.api.entities import accounts, status_shared, statuses
from server.api.statusviews import queries as views_q
from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from tests.api.test_media import picture, upload
from tests.api.test_timelines import follow, post

HOME = "/api/v1/timelines/home"


def forget_everything() -> None:
    status_shared._PARTS.clear()
    accounts._SEEN.clear()
    views_q._AUTHORS.clear()
    views_q._STATUSES.clear()


async def home(api: Any, who: Any) -> list[dict[str, Any]]:
    resp = await api.get(HOME, headers=who.headers)
    assert resp.status == 200, await resp.text()
    return list(await resp.json())


async def test_changes_show_on_the_next_read(api: Any, member: Any, db: Database,
                                             api_config: Config, clock: FrozenClock,
                                             worker: Any) -> None:
    ada, bea, cy = await member("ada"), await member("bea"), await member("cy")
    await follow(db, api_config, clock, bea, ada)
    await worker().run_until_idle()
    media = await (await upload(api, ada, picture(), description="A red square")).json()
    first = await post(api, ada, status="first words", media_ids=[media["id"]])
    await worker().run_until_idle()
    before = (await home(api, bea))[0]
    assert before["content"] == "<p>first words</p>" and before["favourites_count"] == 0
    assert before["media_attachments"][0]["description"] == "A red square"

    clock.advance(timedelta(minutes=1))
    resp = await api.put(f"/api/v1/statuses/{first['id']}", headers=ada.headers,
                         json={"status": "second words", "media_ids": [media["id"]]})
    assert resp.status == 200, await resp.text()
    edited = (await home(api, bea))[0]
    assert edited["content"] == "<p>second words</p>" and edited["edited_at"] is not None

    # A description changed under the status (a remote Update, a moderator), the status row
    # untouched: still a new key.
    async with db.acquire() as conn:
        await conn.execute("UPDATE media_attachments SET description = $1 WHERE id = $2",
                           "A blue square", int(media["id"]))
    assert (await home(api, bea))[0]["media_attachments"][0]["description"] == "A blue square"

    resp = await api.patch("/api/v1/accounts/update_credentials", headers=ada.headers,
                           json={"display_name": "Ada L."})
    assert resp.status == 200, await resp.text()
    assert (await home(api, bea))[0]["account"]["display_name"] == "Ada L."

    assert (await api.post(f"/api/v1/statuses/{first['id']}/favourite",
                           headers=cy.headers)).status == 200
    shown = (await home(api, bea))[0]
    assert shown["favourites_count"] == 1 and shown["favourited"] is False
    assert (await api.post(f"/api/v1/statuses/{first['id']}/favourite",
                           headers=bea.headers)).status == 200
    shown = (await home(api, bea))[0]
    assert shown["favourites_count"] == 2 and shown["favourited"] is True

    assert (await api.delete(f"/api/v1/statuses/{first['id']}", headers=ada.headers)).status == 200
    assert [s["id"] for s in await home(api, bea)] == []


async def test_a_page_from_cached_parts_is_the_same_bytes(api: Any, member: Any, db: Database,
                                                          api_config: Config, clock: FrozenClock,
                                                          worker: Any) -> None:
    """Own statuses (pinned, application), boosts, replies, mentions, tags, media and
    polls, read warm and cold by their author and by a follower."""
    ada, bea = await member("ada"), await member("bea")
    await follow(db, api_config, clock, bea, ada)
    await follow(db, api_config, clock, ada, bea)
    await worker().run_until_idle()
    media = await (await upload(api, ada, picture(), description="A red square")).json()
    plain = await post(api, ada, status="hello #coop @bea", media_ids=[media["id"]])
    await api.post(f"/api/v1/statuses/{plain['id']}/pin", headers=ada.headers)
    await post(api, bea, status="a reply", in_reply_to_id=plain["id"])
    await post(api, bea, status="which?", poll={"options": ["a", "b"], "expires_in": 3600})
    await api.post(f"/api/v1/statuses/{plain['id']}/reblog", headers=bea.headers)
    await post(api, ada, status="quiet", visibility="unlisted", spoiler_text="cw")
    await worker().run_until_idle()
    for who in (ada, bea):
        for path in (HOME, f"/api/v1/accounts/{ada.user.account_id}/statuses"):
            forget_everything()
            cold = await (await api.get(path, headers=who.headers)).read()
            warm = await (await api.get(path, headers=who.headers)).read()
            again = await (await api.get(path, headers=who.headers)).read()
            assert cold == warm == again
            assert len(await (await api.get(path, headers=who.headers)).json()) >= 2


def reference_entity(status: Any, data: Any, *, viewer_id: int | None) -> dict[str, Any] | None:
    """The entity as it was built before any part of it was cached: field by field, in
    REST::StatusSerializer's order."""
    from server.api.entities.common import iso
    from server.api.entities.status_parts import (
        to_mastodon_media,
        to_mastodon_mention,
        to_mastodon_status_tag,
    )
    from server.api.entities.statuses import PINNABLE

    account = data.account(status.account_id)
    if account is None:
        return None
    reblog = None
    if status.reblog_of_id is not None:
        original = data.statuses.get(status.reblog_of_id)
        reblog = reference_entity(original, data, viewer_id=viewer_id) if original else None
        if reblog is None:
            return None
    media, mentions, tags = data.embeds.get(status.id) or (None, None, None)
    ref = (lambda v: None if v is None else str(v))
    entity: dict[str, Any] = {
        "id": str(status.id), "created_at": iso(status.created_at),
        "in_reply_to_id": ref(status.in_reply_to_id),
        "in_reply_to_account_id": ref(status.in_reply_to_account_id),
        "sensitive": status.sensitive, "spoiler_text": status.spoiler_text,
        "visibility": status.visibility, "language": status.language, "uri": status.uri,
        "url": status.url, "replies_count": status.replies_count,
        "reblogs_count": status.reblogs_count, "favourites_count": status.favourites_count,
        "quotes_count": status.quotes_count, "edited_at": iso(status.edited_at),
    }
    if viewer_id is not None:
        flags = data.flags.get(status.id, {})
        for name in ("favourited", "reblogged", "muted", "bookmarked"):
            entity[name] = flags.get(name, False)
        if (status.account_id == viewer_id and status.reblog_of_id is None
                and status.visibility in PINNABLE):
            entity["pinned"] = flags.get("pinned", False)
    entity["content"] = status.content
    if viewer_id is not None:
        entity["filtered"] = []
    entity["reblog"] = reblog
    if status.account_id == viewer_id and status.application_id is not None:
        entity["application"] = data.applications.get(status.application_id)
    entity["account"] = account
    entity["media_attachments"] = [to_mastodon_media(m, data.config) for m in media or []]
    entity["mentions"] = [to_mastodon_mention(m, data.config) for m in mentions or []]
    entity["tags"] = [to_mastodon_status_tag(t, data.config) for t in tags or []]
    entity["emojis"] = []
    entity["quote"] = None   # none of these statuses quotes
    entity["card"] = None
    entity["poll"] = data.polls.get(status.id)
    quotable = (status.reblog_of_id is None and status.local
                and status.visibility in ("public", "unlisted"))
    if viewer_id is None or status.reblog_of_id is not None or status.visibility == "direct":
        reader = "denied"
    elif status.account_id == viewer_id or quotable:
        reader = "automatic"
    elif not status.local and status.visibility in ("public", "unlisted"):
        reader = "unknown"   # its server decides
    else:
        reader = "denied"
    entity["quote_approval"] = {"automatic": ["public"] if quotable else [], "manual": [],
                                "current_user": reader}
    return entity


async def test_entities_match_the_uncached_reference(api: Any, member: Any, db: Database,
                                                     api_config: Config, clock: FrozenClock,
                                                     worker: Any) -> None:
    from server.jsonio import dumpb
    from server.statuses import queries as statuses_q

    ada, bea = await member("ada"), await member("bea")
    await follow(db, api_config, clock, bea, ada)
    await worker().run_until_idle()
    media = await (await upload(api, ada, picture(), description="A red square")).json()
    plain = await post(api, ada, status="hello #coop @bea", media_ids=[media["id"]])
    await api.post(f"/api/v1/statuses/{plain['id']}/pin", headers=ada.headers)
    await api.post(f"/api/v1/statuses/{plain['id']}/favourite", headers=bea.headers)
    reply = await post(api, bea, status="a reply", in_reply_to_id=plain["id"])
    poll = await post(api, bea, status="which?", poll={"options": ["a", "b"], "expires_in": 600})
    boost = await (await api.post(f"/api/v1/statuses/{plain['id']}/reblog",
                                  headers=bea.headers)).json()
    quiet = await post(api, ada, status="quiet", visibility="private", spoiler_text="cw")
    ids = [int(s["id"]) for s in (plain, reply, poll, boost, quiet)]
    async with db.acquire() as conn:
        known = await statuses_q.get_statuses(conn, status_ids=ids)
        for viewer in (ada.user.account_id, bea.user.account_id, None):
            for cold in (True, False):
                if cold:
                    forget_everything()
                data = await statuses._load(conn, api_config, ids, viewer_id=viewer,
                                            now=clock.now())
                for status_id in ids:
                    status = data.statuses.get(status_id) or known[status_id]
                    got = statuses._entity(status, data, viewer_id=viewer)
                    want = reference_entity(status, data, viewer_id=viewer)
                    assert want is not None
                    assert dumpb(got) == dumpb(want), (viewer, status_id)


async def test_a_page_of_shared_entities_is_the_same_bytes(api: Any, member: Any, db: Database,
                                                           api_config: Config, clock: FrozenClock,
                                                           worker: Any) -> None:
    """A page without polls, cards or filters is made of JSON pieces kept in process: read
    cold, warm, by another reader with the same flags and by one with other flags."""
    ada, bea, cy = await member("ada"), await member("bea"), await member("cy")
    for reader in (bea, cy):
        await follow(db, api_config, clock, reader, ada)
    await follow(db, api_config, clock, ada, bea)
    await worker().run_until_idle()
    plain = await post(api, ada, status="hello #coop @bea")
    await post(api, bea, status="a reply", in_reply_to_id=plain["id"])
    await api.post(f"/api/v1/statuses/{plain['id']}/reblog", headers=bea.headers)
    await post(api, ada, status="quiet", visibility="unlisted", spoiler_text="cw")
    await worker().run_until_idle()
    pages = {}
    for who in (ada, bea, cy):
        forget_everything()
        cold = await (await api.get(HOME, headers=who.headers)).read()
        warm = await (await api.get(HOME, headers=who.headers)).read()
        assert cold == warm
        pages[who.user.account_id] = warm
    assert len(status_shared._PARTS) > 0 and len(accounts._SEEN) > 0
    # bea's own flag on a status cy sees unflagged: each still gets their own
    await api.post(f"/api/v1/statuses/{plain['id']}/bookmark", headers=bea.headers)
    mine = [s for s in await home(api, bea) if s["id"] == plain["id"]]
    theirs = [s for s in await home(api, cy) if s["id"] == plain["id"]]
    assert mine[0]["bookmarked"] is True and theirs[0]["bookmarked"] is False
    forget_everything()
    assert await (await api.get(HOME, headers=cy.headers)).read() == pages[cy.user.account_id]


async def test_pages_as_json_pieces_and_as_dicts_are_the_same_bytes(
        api: Any, member: Any, db: Database, api_config: Config, clock: FrozenClock,
        worker: Any) -> None:
    """render_statuses joins kept JSON pieces for a caller that only encodes the page, and
    builds dicts for the others: both encode to the same bytes, for every reader, cold and
    warm, and whatever changed in between (counters, flags, an edit, a profile)."""
    from server.jsonio import dumpb

    ada, bea, cy = await member("ada"), await member("bea"), await member("cy")
    await follow(db, api_config, clock, bea, ada)
    await worker().run_until_idle()
    media = await (await upload(api, ada, picture(), description="A red \"square\" </\\ \u2028")).json()
    plain = await post(api, ada, status='hello #coop @bea "quoted" ünïcode',
                       media_ids=[media["id"]])
    await api.post(f"/api/v1/statuses/{plain['id']}/pin", headers=ada.headers)
    reply = await post(api, bea, status="a reply", in_reply_to_id=plain["id"])
    boost = await (await api.post(f"/api/v1/statuses/{plain['id']}/reblog",
                                  headers=bea.headers)).json()
    quiet = await post(api, ada, status="quiet", visibility="unlisted", spoiler_text="cw")
    ids = [int(s["id"]) for s in (plain, reply, boost, quiet)]

    async def both(viewer: int | None) -> None:
        async with db.acquire() as conn:
            pieces = await statuses.render_statuses(conn, api_config, ids, viewer_id=viewer,
                                                    now=clock.now(), serialised_at_once=True)
            dicts = await statuses.render_statuses(conn, api_config, ids, viewer_id=viewer,
                                                   now=clock.now())
        assert len(dicts) == len(ids)
        assert dumpb(pieces) == dumpb(dicts), viewer

    readers = (ada.user.account_id, bea.user.account_id, cy.user.account_id, None)
    for viewer in readers:
        forget_everything()
        await both(viewer)
        await both(viewer)
    await api.post(f"/api/v1/statuses/{plain['id']}/favourite", headers=cy.headers)
    await api.post(f"/api/v1/statuses/{quiet['id']}/bookmark", headers=bea.headers)
    clock.advance(timedelta(minutes=1))
    resp = await api.put(f"/api/v1/statuses/{quiet['id']}", headers=ada.headers,
                         json={"status": "louder", "spoiler_text": ""})
    assert resp.status == 200, await resp.text()
    resp = await api.patch("/api/v1/accounts/update_credentials", headers=ada.headers,
                           json={"display_name": "Ada L."})
    assert resp.status == 200, await resp.text()
    for viewer in readers:
        await both(viewer)


async def test_kept_embeds_are_known_again_without_serialising_them(
        api: Any, member: Any, db: Database, api_config: Config, clock: FrozenClock,
        worker: Any, monkeypatch: Any) -> None:
    """The home timeline keeps a status's attachments, mentions and hashtags with its row's
    version (Kept lists): a part made from them finds them again by identity, so a page read
    again serialises none of them to compare; lists read anew (a status page) still are."""
    ada, bea = await member("ada"), await member("bea")
    await follow(db, api_config, clock, bea, ada)
    await worker().run_until_idle()
    media = await (await upload(api, ada, picture(), description="red")).json()
    rich = await post(api, ada, status="hi @bea #cats", media_ids=[media["id"]])
    await worker().run_until_idle()
    forget_everything()
    first = await (await api.get(HOME, headers=bea.headers)).read()
    kept = views_q._STATUSES.get(-int(rich["id"]))
    assert kept is not None and all(type(e) is status_shared.Kept for e in kept[2][:3])

    encoded: list[Any] = []
    real = status_shared.dumpb

    def counting(value: Any) -> bytes:
        encoded.append(value)
        return real(value)

    monkeypatch.setattr(status_shared, "dumpb", counting)
    again = await (await api.get(HOME, headers=bea.headers)).read()
    assert again == first
    assert not any(value is e for value in encoded for e in kept[2][:2])
    # a status read by id brings lists of its own: compared by their text, same entity
    one = await (await api.get(f"/api/v1/statuses/{rich['id']}", headers=bea.headers)).json()
    assert any(isinstance(v, list) and v and "file_path" in v[0] for v in encoded)
    assert one["media_attachments"][0]["description"] == "red"
    assert [m["username"] for m in one["mentions"]] == ["bea"]
