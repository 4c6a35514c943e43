"""The home timeline finds the statuses and authors it keeps in process by the versions of
their rows (xmin of statuses and account_stats, which changes in accounts and users touch):
a change to any of those rows, by any process, shows on the next read; a row that changes
between the page's two reads is shown as it is after the change."""

from __future__ import annotations

from typing import Any

from server.api.statusviews import queries as views_q
from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from tests.api.test_status_entity_cache import home
from tests.api.test_timelines import follow, post


async def test_author_rows_changed_elsewhere_show_on_the_next_read(
        api: Any, member: Any, db: Database, api_config: Config, clock: FrozenClock,
        worker: Any) -> None:
    ada, bea, cy = await member("ada"), await member("bea"), await member("cy")
    await follow(db, api_config, clock, bea, ada)
    await worker().run_until_idle()
    await post(api, ada, status="hello")
    await worker().run_until_idle()
    first = (await home(api, bea))[0]
    assert first["account"]["followers_count"] == 1 and first["account"]["roles"] == []
    assert (await home(api, bea))[0] == first   # from what the first read kept

    # account_stats: a new follower (the counters live there for local accounts)
    await follow(db, api_config, clock, cy, ada)
    await worker().run_until_idle()
    assert (await home(api, bea))[0]["account"]["followers_count"] == 2

    # users: a role given straight in the database, as another process would
    async with db.acquire() as conn:
        await conn.execute("UPDATE users SET role = 'moderator' WHERE account_id = $1",
                           ada.user.account_id)
    assert [r["name"] for r in (await home(api, bea))[0]["account"]["roles"]] == ["Moderator"]

    # accounts: a profile changed without the API
    async with db.acquire() as conn:
        await conn.execute("UPDATE accounts SET display_name = 'Ada!' WHERE id = $1",
                           ada.user.account_id)
    assert (await home(api, bea))[0]["account"]["display_name"] == "Ada!"

    # accounts, for an author without account_stats (whose changes make a new version of
    # that row otherwise): the accounts row's own version counts
    async with db.acquire() as conn:
        await conn.execute("DELETE FROM account_stats WHERE account_id = $1", ada.user.account_id)
    assert (await home(api, bea))[0]["account"]["followers_count"] == 0
    async with db.acquire() as conn:
        await conn.execute("UPDATE accounts SET display_name = 'Ada?' WHERE id = $1",
                           ada.user.account_id)
    assert (await home(api, bea))[0]["account"]["display_name"] == "Ada?"

    # statuses: a counter changed without the API
    async with db.acquire() as conn:
        await conn.execute("UPDATE statuses SET replies_count = 7 WHERE id = $1", int(first["id"]))
    assert (await home(api, bea))[0]["replies_count"] == 7


async def test_a_row_changed_between_the_two_reads_shows_as_changed(
        api: Any, member: Any, db: Database, api_config: Config, clock: FrozenClock,
        worker: Any) -> None:
    ada, bea = await member("ada"), await member("bea")
    await follow(db, api_config, clock, bea, ada)
    await worker().run_until_idle()
    hello = await post(api, ada, status="hello")
    gone = await post(api, ada, status="soon gone")
    await worker().run_until_idle()
    views_q._STATUSES.clear()
    views_q._AUTHORS.clear()
    fetch_rows = views_q._read_home_rows

    async def changed_first(conn: Any, status_ids: list[int], *args: Any) -> None:
        # After list_home_page's read, before list_home_rows's: an edit and a delete land.
        await conn.execute("UPDATE statuses SET content = '<p>edited</p>' WHERE id = $1",
                           int(hello["id"]))
        await conn.execute("DELETE FROM statuses WHERE id = $1", int(gone["id"]))
        await fetch_rows(conn, status_ids, *args)

    views_q._read_home_rows = changed_first  # type: ignore[assignment]
    try:
        shown = await home(api, bea)
    finally:
        views_q._read_home_rows = fetch_rows  # type: ignore[assignment]
    assert [s["id"] for s in shown] == [hello["id"]] and shown[0]["content"] == "<p>edited</p>"
    # kept at the version it was read at: the next read finds it, unchanged
    again = await home(api, bea)
    assert again == shown
    found = views_q._STATUSES.get(-int(hello["id"]))
    assert found is not None and found[1].content == "<p>edited</p>"


async def test_embeds_changed_later_show_on_the_next_read(
        api: Any, member: Any, db: Database, api_config: Config, clock: FrozenClock,
        worker: Any) -> None:
    """What a status embeds is kept with it, by the status row's version: a preview card
    found after the post, an attachment described or removed, a hashtag or a poll taken off,
    the application renamed, each written without the API (as a job or another process
    would) makes a new version of the status (migration 0093), and shows on the next read."""
    from server.cards import queries as cards_q
    from server.ids import new_id
    from tests.api.test_media import picture, upload

    ada, bea = await member("ada"), await member("bea")
    await follow(db, api_config, clock, bea, ada)
    await worker().run_until_idle()
    media = await (await upload(api, ada, picture(), description="red")).json()
    pictured = await post(api, ada, status="look #cats", media_ids=[media["id"]])
    polled = await post(api, ada, status="which?", poll={"options": ["a", "b"], "expires_in": 3600})
    await worker().run_until_idle()

    async def shown(reader: Any = bea) -> dict[str, dict[str, Any]]:
        return {s["id"]: s for s in await home(api, reader)}

    first = await shown()
    assert first[pictured["id"]]["media_attachments"][0]["description"] == "red"
    assert [t["name"] for t in first[pictured["id"]]["tags"]] == ["cats"]
    assert first[pictured["id"]]["card"] is None and first[polled["id"]]["poll"] is not None
    # the application is shown to the author (home of her own posts)
    assert (await shown(ada))[pictured["id"]]["application"]["name"] != "Renamed"
    assert (await shown()) == first   # from what the first read kept
    status_id = int(pictured["id"])
    kept = views_q._STATUSES.get(-status_id)
    assert kept is not None and kept[2][0][0]["description"] == "red"

    # a card linked by the card job, after the post
    async with db.transaction() as conn:
        card_id, _ = await cards_q.upsert_card(
            conn, card_id=new_id(), now=clock.now(),
            card=cards_q.NewCard(url="https://example.com/a", title="A page"))
        await cards_q.link_status(conn, status_id=status_id, card_id=card_id,
                                  url="https://example.com/a")
    assert (await shown())[pictured["id"]]["card"]["title"] == "A page"
    async with db.transaction() as conn:
        await cards_q.unlink_status(conn, status_id=status_id)
    assert (await shown())[pictured["id"]]["card"] is None

    # the attachment described again, then taken off; the hashtag removed
    async with db.acquire() as conn:
        await conn.execute("UPDATE media_attachments SET description = 'blue' WHERE id = $1",
                           int(media["id"]))
    assert (await shown())[pictured["id"]]["media_attachments"][0]["description"] == "blue"
    async with db.acquire() as conn:
        await conn.execute("UPDATE media_attachments SET status_id = NULL WHERE id = $1",
                           int(media["id"]))
        await conn.execute("DELETE FROM status_tags WHERE status_id = $1", status_id)
    now = (await shown())[pictured["id"]]
    assert now["media_attachments"] == [] and now["tags"] == []

    # the poll taken off; the application renamed
    async with db.acquire() as conn:
        await conn.execute("DELETE FROM polls WHERE status_id = $1", int(polled["id"]))
        await conn.execute("UPDATE oauth_applications SET name = 'Renamed' WHERE id = "
                           "(SELECT application_id FROM statuses WHERE id = $1)", status_id)
    now_shown = await shown()
    assert now_shown[polled["id"]]["poll"] is None
    assert (await shown(ada))[pictured["id"]]["application"]["name"] == "Renamed"
