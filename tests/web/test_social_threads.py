"""Status pages: the thread, the reply form, who may see what, and deleting."""

from __future__ import annotations

from typing import Any

from server.db import Database
from server.statuses import queries as statuses_q
from tests.web.conftest import status_ids


async def _post(who: Any, text: str, **fields: str) -> int:
    resp = await who.form("/statuses", {"status": text, **fields}, token_from="/home")
    assert resp.status == 303, await resp.text()
    return await _newest(who)


async def _newest(who: Any) -> int:
    status, page = await who.page(f"/@{who.account.username}")
    assert status == 200
    return status_ids(page)[0]


async def test_reply_from_the_status_page_shows_in_the_thread(member: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    root = await _post(ada, "first")
    status, page = await bob.page(f"/@ada/{root}")
    assert status == 200
    assert 'id="reply"' in page and f'name="in_reply_to_id" value="{root}"' in page
    assert ">@ada </textarea>" in page   # prefilled with the mention
    resp = await bob.form("/statuses", {"status": "@ada agreed", "in_reply_to_id": str(root),
                                        "next": f"/@ada/{root}"}, token_from=f"/@ada/{root}")
    assert resp.status == 303 and resp.headers["Location"] == f"/@ada/{root}"
    reply = await _newest(bob)
    status, page = await ada.page(f"/@ada/{root}")
    assert status_ids(page) == [root, reply]
    assert "Replies" in page
    status, page = await ada.page(f"/@bob/{reply}")
    assert status_ids(page) == [root, reply]   # the ancestor above
    assert ">@bob </textarea>" in page   # not the reader herself
    # The wrong author in the path, and the old /statuses/ID address.
    assert (await ada.page(f"/@ada/{reply}"))[0] == 404
    resp = await ada.client.get(f"/statuses/{reply}", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == f"/@bob/{reply}"


async def test_followers_only_and_direct_posts_reach_only_their_audience(
        member: Any, stranger: Any) -> None:
    ada, bob, cy = await member("ada"), await member("bob"), await member("cy")
    resp = await bob.form(f"/accounts/{ada.account.id}/follow", {}, token_from="/home")
    assert resp.status == 303
    private = await _post(ada, "for followers", visibility="private")
    direct = await _post(ada, "@cy psst", visibility="direct")
    assert (await stranger.get(f"/@ada/{private}")).status == 404
    assert (await cy.page(f"/@ada/{private}"))[0] == 404
    status, page = await bob.page(f"/@ada/{private}")
    assert status == 200 and "for followers" in page
    assert "Followers only" in page and "Unboost" not in page and ">Boost<" not in page
    assert (await bob.page(f"/@ada/{direct}"))[0] == 404
    assert (await cy.page(f"/@ada/{direct}"))[0] == 200
    for path in ("/public", "/public/local", "/@ada"):
        resp = await stranger.get(path)
        text = await resp.text()
        assert "for followers" not in text and "psst" not in text
    # Acting on what one cannot see is not found; boosting a followers-only post refused.
    resp = await cy.form(f"/statuses/{private}/favourite", {}, token_from="/home")
    assert resp.status == 404 and "Record not found" in await resp.text()
    resp = await bob.form(f"/statuses/{private}/reblog", {}, token_from="/home")
    assert resp.status == 403


async def test_delete_asks_first_and_only_the_author_may(member: Any, stranger: Any,
                                                         db: Database) -> None:
    ada, bob = await member("ada"), await member("bob")
    sid = await _post(ada, "regrettable")
    resp = await stranger.get(f"/statuses/{sid}/delete", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"].startswith("/auth/sign_in?next=")
    status, page = await bob.page(f"/statuses/{sid}/delete")
    assert status == 403
    resp = await bob.form(f"/statuses/{sid}/delete", {}, token_from="/home")
    assert resp.status == 403
    status, page = await ada.page(f"/statuses/{sid}/delete")
    assert status == 200 and "Delete this post?" in page and "regrettable" in page
    resp = await ada.client.post(f"/statuses/{sid}/delete", data={}, allow_redirects=False)
    assert resp.status == 403   # no CSRF token
    resp = await ada.form(f"/statuses/{sid}/delete", {}, token_from=f"/statuses/{sid}/delete")
    assert resp.status == 303 and resp.headers["Location"] == "/home?notice=deleted"
    async with db.acquire() as conn:
        assert (await statuses_q.get_status(conn, status_id=sid)).deleted_at is not None
    assert (await ada.page(f"/@ada/{sid}"))[0] == 410
    assert (await ada.page(f"/statuses/{sid}/delete"))[0] == 404
    assert (await ada.page("/statuses/12345/delete"))[0] == 404
    assert (await ada.page("/@ada/12345"))[0] == 404


async def test_bookmark_and_undo_return_to_the_page(member: Any, db: Database) -> None:
    ada = await member("ada")
    sid = await _post(ada, "keep this")
    resp = await ada.form(f"/statuses/{sid}/bookmark", {"next": f"/@ada/{sid}"},
                          token_from="/home")
    assert resp.status == 303 and resp.headers["Location"] == f"/@ada/{sid}#status-{sid}"
    status, page = await ada.page(f"/@ada/{sid}")
    assert 'aria-pressed="true">Remove bookmark' in page
    resp = await ada.form(f"/statuses/{sid}/unbookmark", {"next": "https://evil.example/"},
                          token_from="/home")
    assert resp.headers["Location"] == f"/statuses/{sid}#status-{sid}"
    status, page = await ada.page(f"/@ada/{sid}")
    assert 'aria-pressed="false">Bookmark' in page


async def test_quoting_from_the_status_page_shows_the_quoted_post(member: Any,
                                                                  stranger: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    root = await _post(ada, "benches at every bus stop")
    status, page = await bob.page(f"/@ada/{root}")
    assert f'href="/@ada/{root}?quote#reply"' in page
    status, page = await bob.page(f"/@ada/{root}?quote")
    assert status == 200 and "Quote this post" in page
    assert f'name="quoted_status_id" value="{root}"' in page
    assert 'name="in_reply_to_id"' not in page
    resp = await bob.form("/statuses", {"status": "yes please", "quoted_status_id": str(root),
                                        "next": f"/@ada/{root}"}, token_from=f"/@ada/{root}")
    assert resp.status == 303, await resp.text()
    quote = await _newest(bob)
    for reader in (bob, ada):
        status, page = await reader.page(f"/@bob/{quote}")
        assert status == 200
        assert '<aside class="quote" aria-label="Quoted post">' in page
        assert "benches at every bus stop" in page and "yes please" in page
    # On the timelines too, for anyone.
    text = await (await stranger.get("/@bob")).text()
    assert 'class="quote"' in text and "benches at every bus stop" in text


async def test_a_followers_only_post_offers_no_quote_and_a_forged_quote_is_refused(
        member: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    resp = await bob.form(f"/accounts/{ada.account.id}/follow", {}, token_from="/home")
    assert resp.status == 303
    private = await _post(ada, "for followers", visibility="private")
    status, page = await bob.page(f"/@ada/{private}")
    assert status == 200 and "?quote#reply" not in page
    status, page = await bob.page(f"/@ada/{private}?quote")
    assert 'name="quoted_status_id"' not in page
    resp = await bob.form("/statuses", {"status": "sneaky", "quoted_status_id": str(private)},
                          token_from="/home")
    assert resp.status == 422
    text = await resp.text()
    assert "cannot be quoted" in text and f'name="quoted_status_id" value="{private}"' in text
    # a public post whose author lets nobody quote it offers no quote either
    closed = await _post(ada, "mine alone", quote_approval_policy="nobody")
    status, page = await bob.page(f"/@ada/{closed}")
    assert status == 200 and "?quote#reply" not in page
    status, page = await ada.page(f"/@ada/{closed}")
    assert f'href="/@ada/{closed}?quote#reply"' in page   # its author may
    refused = await bob.form("/statuses", {"status": "x", "quote_approval_policy": "friends"},
                             token_from="/home")
    assert refused.status == 422 and "quote_approval_policy" in await refused.text()
