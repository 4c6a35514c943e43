"""Status pages reuse the account entities they built lately, keyed by every column an
entity is made from: the same account gives the same entity, any change a new one."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from server.api.entities import accounts
from server.api.queries import AccountView
from tests.conftest import make_config


def view(**changes: object) -> AccountView:
    base = AccountView(id=7, username="ada", domain=None, display_name="Ada", note="",
                       uri="http://ch.test/users/ada", url=None, actor_type="Person",
                       locked=False, bot=False, discoverable=True, indexable=True,
                       avatar_url=None, header_url=None, avatar_path=None, header_path=None,
                       fields=[], moved_to_account_id=None, suspended_at=None,
                       created_at=datetime(2026, 1, 1, tzinfo=UTC), statuses_count=1,
                       followers_count=2, following_count=3, last_status_at=None, role="user",
                       hide_collections=False)
    return replace(base, **changes)  # type: ignore[arg-type]


def test_same_columns_same_entity_and_any_change_shows() -> None:
    config = make_config()
    first = accounts._shared_entity(view(), config)
    assert accounts._shared_entity(view(), config) is first
    assert first == accounts.to_mastodon_account(view(), config)
    more = accounts._shared_entity(view(followers_count=3), config)
    assert more["followers_count"] == 3 and first["followers_count"] == 2
    renamed = accounts._shared_entity(view(display_name="Ada L."), config)
    assert renamed["display_name"] == "Ada L."
    with_fields = view(fields=[{"name": "web", "value": "x"}])
    assert accounts._shared_entity(with_fields, config)["fields"][0]["name"] == "web"
    other_site = make_config(base_url="http://other.test")
    assert accounts._shared_entity(view(), other_site)["url"].startswith("http://other.test")


async def test_page_rows_are_cut_by_position(db: Any, config: Any, clock: Any) -> None:
    """list_page's columns follow Status and AccountView field by field (else rows are read
    by name, correct but slower): a change to either dataclass must change the query too."""
    from server.api.statusviews import queries as views_q
    from server.statuses import service as statuses
    from server.statuses.compose import Draft
    from tests.helpers import make_account

    ada = await make_account(db, config, clock, "ada")
    async with db.transaction() as conn:
        status = await statuses.create_status(conn, config=config, author=ada,
                                              draft=Draft(text="Hi"), now=clock.now())
    async with db.acquire() as conn:
        rows = await conn.fetch(views_q.Q["list_page"], [status.id], ada.id)
        assert views_q._columns_in_order(list(rows[0].keys()))
        page = await views_q.list_page(conn, status_ids=[status.id], viewer_id=ada.id)
    assert page[0].status == status and page[0].author.username == "ada"
