"""Lists as pages: made, renamed, filled with followed accounts by handle, read as a
timeline, made exclusive (their members' new posts leave the home timeline), emptied and
deleted — each through the same service as the API, which sees the same lists."""

from __future__ import annotations

import re
from typing import Any

from server.db import Database
from tests.web.conftest import status_ids


async def _list_count(db: Database, account_id: int) -> int:
    async with db.acquire() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM lists WHERE account_id = $1",
                                       account_id))


async def _post(who: Any, text: str) -> None:
    resp = await who.form("/statuses", {"status": text, "visibility": "public"},
                          token_from="/home")
    assert resp.status == 303, await resp.text()


async def test_make_fill_read_and_delete_a_list(member: Any, stranger: Any, db: Database,
                                                worker: Any) -> None:
    ada, bea, cid = await member("ada"), await member("bea"), await member("cid")
    resp = await stranger.get("/lists", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/auth/sign_in?next=/lists"
    status, page = await ada.page("/lists")
    assert status == 200 and "No lists yet" in page and 'href="/lists"' in page

    resp = await ada.form("/lists", {"title": "   ", "replies_policy": "list"}, token_from="/lists")
    assert resp.status == 422
    assert "Title can&#39;t be blank" in await resp.text() or "Title can't be blank" in await resp.text()
    assert await _list_count(db, ada.account.id) == 0
    resp = await ada.form("/lists", {"title": "Neighbours", "replies_policy": "followed"},
                          token_from="/lists")
    assert resp.status == 303
    list_path = resp.headers["Location"]
    list_id = int(re.fullmatch(r"/lists/(\d+)", list_path).group(1))   # type: ignore[union-attr]
    status, page = await ada.page("/lists")
    assert f'href="{list_path}">Neighbours</a>' in page

    # Members must be followed; an unknown handle is named back.
    edit = f"{list_path}/edit"
    resp = await ada.form(f"{list_path}/members", {"acct": "@bea"}, token_from=edit)
    assert resp.status == 422 and "follow @bea first" in await resp.text()
    resp = await ada.form(f"{list_path}/members", {"acct": "@nobody@far.example"}, token_from=edit)
    assert resp.status == 422 and "No account @nobody@far.example is known here." in await resp.text()
    await ada.form(f"/accounts/{bea.account.id}/follow", {"next": "/@bea"}, token_from="/@bea")
    resp = await ada.form(f"{list_path}/members", {"acct": "bea@ch.test"}, token_from=edit)
    assert resp.status == 303 and resp.headers["Location"] == f"{edit}?notice=member_added"
    status, page = await ada.page(edit)
    assert "@bea" in page and "Added to the list." not in page
    assert f'action="{list_path}/members/{bea.account.id}/remove"' in page

    await _post(bea, "first from bea")
    await worker().run_until_idle()
    status, page = await ada.page(list_path)
    assert status == 200 and "first from bea" in page and len(status_ids(page)) == 1
    assert "first from bea" in (await ada.page("/home"))[1]

    # Exclusive: bea's next post is on the list, not in ada's home timeline.
    resp = await ada.form(edit, {"title": "Close neighbours", "replies_policy": "list",
                                 "exclusive": "on"}, token_from=edit)
    assert resp.status == 303
    status, page = await ada.page(edit)
    assert "Close neighbours" in page and re.search(r'name="exclusive" checked', page)
    await _post(bea, "second from bea")
    await worker().run_until_idle()
    assert "second from bea" in (await ada.page(list_path))[1]
    assert "second from bea" not in (await ada.page("/home"))[1]

    # Someone else's list does not exist for them.
    assert (await cid.page(list_path))[0] == 404
    assert (await cid.page(edit))[0] == 404
    resp = await cid.form(f"{list_path}/delete", {}, token_from="/lists")
    assert resp.status == 404
    assert await _list_count(db, ada.account.id) == 1

    resp = await ada.form(f"{list_path}/members/{bea.account.id}/remove", {}, token_from=edit)
    assert resp.status == 303
    status, page = await ada.page(edit)
    assert "Nobody on this list yet." in page
    resp = await ada.form(f"{list_path}/delete", {}, token_from=edit)
    assert resp.status == 303 and resp.headers["Location"] == "/lists?notice=list_deleted"
    assert await _list_count(db, ada.account.id) == 0
    assert (await ada.page(list_path))[0] == 404
    assert list_id > 0
