"""Small factories for federation tests: remote accounts, statuses, follows, pins, media."""

from __future__ import annotations

from typing import Any

from server.accounts import queries as accounts_q
from server.accounts.queries import NewAccount
from server.accounts.service import local_actor_urls
from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.federation import queries as fed_q
from server.federation.queries import RemoteActorRow
from server.ids import new_id
from server.statuses import queries as statuses_q
from server.statuses.urls import reblog_uri, status_uri, status_url
from tests.fakes.fediverse import key_pair

# Sign-in is not what these tests are about: a fixed hash saves argon2's deliberate slowness.
UNUSABLE_PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$unusable$unusable"


async def make_member(db: Database, config: Config, clock: FrozenClock, name: str = "ada",
                      *, approved: bool = True) -> accounts_q.LocalUser:
    """A local account and user, like sign-up makes, with a key pair from the test pool."""
    private_pem, public_pem = key_pair(len(name) % 4 + 20)
    urls = local_actor_urls(config, name)
    account_id = new_id()
    async with db.transaction() as conn:
        await accounts_q.insert_account(conn, NewAccount(
            id=account_id, username=name, domain=None, display_name=name,
            public_key_pem=public_pem, public_key_id=f"{urls['uri']}#main-key",
            private_key_pem=private_pem, **urls), now=clock.now())
        await accounts_q.insert_user(
            conn, user_id=new_id(), account_id=account_id, email=f"{name}@example.org",
            password_hash=UNUSABLE_PASSWORD_HASH, role="user", approved=approved,
            signup_reason="", now=clock.now())
        user = await accounts_q.get_local_user_by_username(conn, username=name)
    assert user is not None
    return user


async def make_remote_account(db: Database, clock: FrozenClock, name: str,
                              host: str = "mastodon.test") -> int:
    uri = f"http://{host}/users/{name}"
    row = RemoteActorRow(
        username=name, domain=host, display_name=name.capitalize(), note="", uri=uri, url=uri,
        inbox_url=f"{uri}/inbox", shared_inbox_url=f"http://{host}/inbox", outbox_url=None,
        followers_url=f"{uri}/followers", following_url=None, featured_url=None,
        actor_type="Person", public_key_pem=None, public_key_id=None, locked=False, bot=False,
        discoverable=True, indexable=True, avatar_url=None, header_url=None, fields=[],
        also_known_as=[], moved_to_uri=None)
    async with db.transaction() as conn:
        account_id = await fed_q.insert_remote_account(conn, account_id=new_id(), row=row,
                                                       moved_to_account_id=None, now=clock.now())
    assert account_id is not None
    return account_id


async def make_status(db: Database, clock: FrozenClock, *, account_id: int, username: str | None,
                      config: Any = None, visibility: str = "public", content: str = "<p>hi</p>",
                      uri: str | None = None, reblog_of_id: int | None = None,
                      in_reply_to_id: int | None = None, **fields: Any) -> statuses_q.Status:
    status_id = new_id()
    local = username is not None
    if uri is None:
        assert config is not None and username is not None
        uri = (reblog_uri(config, username, status_id) if reblog_of_id
               else status_uri(config, username, status_id))
    url = status_url(config, username, status_id) if local and not reblog_of_id else None
    async with db.transaction() as conn:
        await statuses_q.insert_status(conn, statuses_q.NewStatus(
            id=status_id, account_id=account_id, uri=uri, url=url, local=local, content=content,
            visibility=visibility, created_at=clock.now(), reblog_of_id=reblog_of_id,
            in_reply_to_id=in_reply_to_id, **fields), now=clock.now())
        status = await statuses_q.get_status(conn, status_id=status_id)
    assert status is not None
    return status


async def follow(db: Database, clock: FrozenClock, follower_id: int, target_id: int) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO follows (id, account_id, target_account_id, created_at) "
            "VALUES ($1, $2, $3, $4)", new_id(), follower_id, target_id, clock.now())


async def pin(db: Database, clock: FrozenClock, account_id: int, status_id: int) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO status_pins (id, account_id, status_id, created_at) "
            "VALUES ($1, $2, $3, $4)", new_id(), account_id, status_id, clock.now())


async def add_media(db: Database, clock: FrozenClock, *, account_id: int, status_id: int,
                    **fields: Any) -> None:
    values = {"type": "image", "file_path": "1/original.jpg", "content_type": "image/jpeg",
              "description": "alt text", "blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
              "meta": {"original": {"width": 640, "height": 480}}, "focus_x": 0.25,
              "focus_y": -0.5, **fields}
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO media_attachments (id, account_id, status_id, type, file_path, "
            "content_type, description, blurhash, meta, focus_x, focus_y, created_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            new_id(), account_id, status_id, values["type"], values["file_path"],
            values["content_type"], values["description"], values["blurhash"], values["meta"],
            values["focus_x"], values["focus_y"], clock.now())


async def add_mention_and_tag(db: Database, clock: FrozenClock, *, status_id: int,
                              account_id: int, tag: str) -> None:
    async with db.transaction() as conn:
        await statuses_q.insert_mentions(conn, status_id=status_id, account_ids=[account_id])
        tag_ids = await statuses_q.upsert_tags(conn, ids=[new_id()], names=[tag], now=clock.now())
        await statuses_q.insert_status_tags(conn, status_id=status_id, tag_ids=tag_ids)
