"""Stories of posting between two Commonhold servers. Ada (ch.test) and Bea (two.test)
already follow each other; each acts on her own server and the other sees what a Mastodon
user would: the post in her home timeline, notifications for replies, mentions, boosts and
likes, counts, the edit history, the post gone when deleted, the new profile."""

from __future__ import annotations

from datetime import timedelta

import pytest

from server.accounts.queries import Account
from server.profiles.service import ProfileChanges, update_credentials
from server.statuses import queries as statuses_q
from server.statuses import service as statuses
from server.statuses.compose import Draft
from server.statuses.queries import Status
from server.statuses.text import plain_text
from tests.federation.pair import Pair, pair_fixture  # noqa: F401  (the fixture)



async def _friends(pair: Pair) -> tuple[Account, Account, Account, Account]:
    ada = await pair.one.member("ada")
    bea = await pair.two.member("bea")
    bea_at_one = await pair.one.resolve("bea@two.test")
    ada_at_two = await pair.two.resolve("ada@ch.test")
    for side in (pair.one, pair.two):
        await side.seed_follow(ada, bea)
        await side.seed_follow(bea, ada)
    return ada, bea, bea_at_one, ada_at_two


async def test_bea_posts_and_ada_sees_it_in_her_home_timeline(pair: Pair) -> None:
    ada, bea, _, _ = await _friends(pair)
    posted = await pair.two.post(bea, "Hello from two.test #gardening", spoiler_text="garden")
    await pair.settle()
    copy = await pair.one.status(posted.uri)
    assert copy is not None and not copy.local
    # Stored as sanitised HTML: the same text and hashtag link (links get our own rel).
    assert plain_text(copy.content) == plain_text(posted.content)
    assert 'class="mention hashtag"' in copy.content and copy.spoiler_text == "garden"
    assert copy.visibility == "public"
    assert [s.uri for s in await pair.one.home(ada)][:1] == [posted.uri]


async def test_followers_only_post_reaches_followers_only(pair: Pair) -> None:
    ada, bea, _, _ = await _friends(pair)
    posted = await pair.two.post(bea, "Only for friends", visibility="private")
    await pair.settle()
    copy = await pair.one.status(posted.uri)
    assert copy is not None and copy.visibility == "private"
    assert posted.uri in [s.uri for s in await pair.one.home(ada)]


async def _bea_answers(pair: Pair, ada: Account, bea: Account, text: str, answer: str, *,
                       field: str) -> tuple[Status, Status, Status]:
    """Ada posts; Bea, on her server, posts `answer` naming Ada's post in `field`
    (in_reply_to_id, quoted_status_id). Ada's post, Bea's, and Bea's as ch.test has it."""
    original = await pair.one.post(ada, text)
    await pair.settle()
    at_two = await pair.two.status(original.uri)
    assert at_two is not None
    posted = await pair.two.post(bea, answer, **{field: at_two.id})
    await pair.settle()
    copy = await pair.one.status(posted.uri)
    assert copy is not None
    return original, posted, copy


async def test_bea_replies_to_ada_who_is_notified(pair: Pair) -> None:
    ada, bea, _, _ = await _friends(pair)
    original, _, copy = await _bea_answers(pair, ada, bea, "What are you planting?",
                                           "Tomatoes!", field="in_reply_to_id")
    assert copy.in_reply_to_id == original.id
    assert ("mention", bea.uri) in await pair.one.notifications(ada)
    refreshed = await pair.one.status(original.uri)
    assert refreshed is not None and refreshed.replies_count == 1


async def test_bea_mentions_ada_in_a_direct_message(pair: Pair) -> None:
    ada, bea, _, _ = await _friends(pair)
    posted = await pair.two.post(bea, "@ada@ch.test psst", visibility="direct")
    await pair.settle()
    copy = await pair.one.status(posted.uri)
    assert copy is not None and copy.visibility == "direct"
    assert ("mention", bea.uri) in await pair.one.notifications(ada)


async def test_bea_boosts_adas_post(pair: Pair) -> None:
    ada, bea, _, _ = await _friends(pair)
    original = await pair.one.post(ada, "Boost me")
    await pair.settle()
    at_two = await pair.two.status(original.uri)
    assert at_two is not None
    async with pair.two.tx() as conn:
        await statuses.reblog(conn, config=pair.two.local.config, account=bea,
                              status_id=at_two.id, now=pair.two.local.clock.now())
    await pair.settle()
    assert ("reblog", bea.uri) in await pair.one.notifications(ada)
    refreshed = await pair.one.status(original.uri)
    assert refreshed is not None and refreshed.reblogs_count == 1


async def test_bea_likes_then_unlikes_adas_post(pair: Pair) -> None:
    ada, bea, _, _ = await _friends(pair)
    original = await pair.one.post(ada, "Like me")
    await pair.settle()
    at_two = await pair.two.status(original.uri)
    assert at_two is not None
    async with pair.two.tx() as conn:
        await statuses.favourite(conn, account=bea, status_id=at_two.id,
                                 now=pair.two.local.clock.now())
    await pair.settle()
    assert ("favourite", bea.uri) in await pair.one.notifications(ada)
    refreshed = await pair.one.status(original.uri)
    assert refreshed is not None and refreshed.favourites_count == 1

    async with pair.two.tx() as conn:
        await statuses.unfavourite(conn, account=bea, status_id=at_two.id,
                                   now=pair.two.local.clock.now())
    await pair.settle()
    assert ("favourite", bea.uri) not in await pair.one.notifications(ada)
    refreshed = await pair.one.status(original.uri)
    assert refreshed is not None and refreshed.favourites_count == 0


async def test_bea_edits_her_post_and_ada_sees_the_history(pair: Pair) -> None:
    _, bea, _, _ = await _friends(pair)
    posted = await pair.two.post(bea, "Eight tomatos")
    await pair.settle()
    pair.two.local.clock.advance(timedelta(minutes=2))
    async with pair.two.tx() as conn:
        await statuses.edit_status(conn, config=pair.two.local.config, author=bea,
                                   status_id=posted.id, draft=Draft(text="Eight tomatoes"),
                                   now=pair.two.local.clock.now())
    await pair.settle()
    copy = await pair.one.status(posted.uri)
    assert copy is not None and copy.content == "<p>Eight tomatoes</p>"
    assert copy.edited_at is not None
    async with pair.one.local.db.acquire() as conn:
        history = await statuses_q.list_status_edits(conn, status_id=copy.id)
    assert [h["content"] for h in history][:1] == ["<p>Eight tomatos</p>"]


async def test_bea_deletes_her_post_and_it_leaves_adas_timeline(pair: Pair) -> None:
    ada, bea, _, _ = await _friends(pair)
    posted = await pair.two.post(bea, "Regrettable")
    await pair.settle()
    assert posted.uri in [s.uri for s in await pair.one.home(ada)]
    async with pair.two.tx() as conn:
        await statuses.delete_status(conn, account=bea, status_id=posted.id,
                                     now=pair.two.local.clock.now())
    await pair.settle()
    copy = await pair.one.status(posted.uri)
    assert copy is None or copy.deleted_at is not None
    assert posted.uri not in [s.uri for s in await pair.one.home(ada)]


async def test_bea_updates_her_profile_and_ada_sees_the_new_one(pair: Pair) -> None:
    _, bea, bea_at_one, _ = await _friends(pair)
    assert bea_at_one.display_name == "bea"
    pair.two.local.clock.advance(timedelta(seconds=10))
    await update_credentials(pair.two.local.db, config=pair.two.local.config,
                             account_id=bea.id, now=pair.two.local.clock.now(),
                             changes=ProfileChanges(display_name="Bea B.",
                                                    note="Grows tomatoes",
                                                    fields=[("Plot", "14")]))
    await pair.settle()
    seen = await pair.one.account(bea)
    assert seen.display_name == "Bea B."
    assert "Grows tomatoes" in seen.note
    assert [f["name"] for f in seen.fields] == ["Plot"]


async def test_bea_quotes_adas_post_and_ada_allows_it(pair: Pair) -> None:
    """FEP-044f between two of our servers: Bea's QuoteRequest reaches ch.test, which allows
    it and answers with its stamp; two.test then sends the post again naming the stamp, and
    both sides hold the quote as accepted."""
    ada, bea, _, _ = await _friends(pair)
    _, quote, copy = await _bea_answers(pair, ada, bea, "Benches at every bus stop",
                                        "Yes please", field="quoted_status_id")
    stamp = f"http://ch.test/users/ada/quote_authorizations/{copy.id}"
    for side, status_id in ((pair.one, copy.id), (pair.two, quote.id)):
        async with side.tx() as conn:
            row = await conn.fetchrow("SELECT state, approval_uri FROM status_quotes"
                                      " WHERE status_id = $1", status_id)
        assert row is not None and row["state"] == "accepted", side.domain
    async with pair.two.tx() as conn:
        assert await conn.fetchval("SELECT approval_uri FROM status_quotes") == stamp
