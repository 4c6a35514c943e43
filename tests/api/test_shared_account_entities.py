"""Status pages reuse the account entities they built lately, keyed by every column an
entity is made from: the same account gives the same entity, any change a new one."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from server.api.entities import accounts
from server.api.queries import AccountView
from server.jsonio import dumpb, loads
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
    accounts._SEEN.clear()
    first = accounts.account_json(view(), config)
    assert accounts.account_json(view(), config) is first
    assert loads(first) == accounts.to_mastodon_account(view(), config)
    assert first == dumpb(accounts.to_mastodon_account(view(), config))
    more = accounts.account_json(view(followers_count=3), config)
    assert loads(more)["followers_count"] == 3 and loads(first)["followers_count"] == 2
    renamed = accounts.account_json(view(display_name="Ada L."), config)
    assert loads(renamed)["display_name"] == "Ada L."
    with_fields = view(fields=[{"name": "web", "value": "x"}])
    assert loads(accounts.account_json(with_fields, config))["fields"][0]["name"] == "web"
    other_site = make_config(base_url="http://other.test")
    assert loads(accounts.account_json(view(), other_site))["url"].startswith("http://other.test")
    # One entry per account and site, whatever changed in between: a new version replaces
    # the old one instead of adding to it.
    assert len(accounts._SEEN) == 2


def test_the_cache_is_bounded_by_bytes() -> None:
    config = make_config()
    accounts._SEEN.clear()
    for i in range(1, 20_000):
        accounts.account_json(view(id=i, username=f"u{i}"), config)
    assert 0 < accounts._SEEN.bytes <= accounts.SEEN_MAX_BYTES
    assert len(accounts._SEEN) < 20_000
    accounts._SEEN.clear()


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
