"""The `cards.fetch` job: give a status the preview card of the first link it shares.

It runs after a status is created or edited (server/events.py) and after a remote status
with a link is stored (server/cards/enqueue.py). The card for a
URL is shared by every status linking it and fetched again only when it is two weeks old
(or its picture never arrived), as Mastodon does. A page that cannot be fetched, is not
HTML or has neither a title nor an embed gives no card: the status keeps `card: null`.
Nothing is retried (Mastodon's link crawler does not retry either) and nothing is pushed
to streams: clients see the card the next time they load the status, as with Mastodon.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from server.cards import extract, http, image, oembed
from server.cards import queries as q
from server.cards.enqueue import JOB_KIND
from server.cards.links import choose_link
from server.ids import new_id
from server.jobs.context import JobContext
from server.media import storage

log = logging.getLogger(__name__)
REFRESH_AFTER = timedelta(weeks=2)
IMAGE_FOLDER = "preview_cards"


async def fetch_card(ctx: JobContext, payload: dict[str, Any]) -> None:
    status_id = int(payload["status_id"])
    async with ctx.db.acquire() as conn:
        status = await q.get_status_for_card(conn, status_id=status_id)
    if status is None or status.deleted_at is not None or status.reblog_of_id is not None:
        return
    # A status with media shows its media, not a card (Mastodon stopped making them).
    url = None if status.has_media else choose_link(
        status.content, mention_urls=set(status.mention_urls),
        local_host=urlsplit(ctx.config.url("/")).hostname or ctx.config.domain)
    if url == status.linked_url:
        return   # unchanged by an edit (or nothing to do)
    if status.linked_url is not None:
        # An edit changed the link: the old card goes now, whatever becomes of the new one.
        async with ctx.db.transaction() as conn:
            await q.unlink_status(conn, status_id=status_id)
    if url is None:
        return
    card_id = await card_for_url(ctx, url)
    if card_id is not None:
        async with ctx.db.transaction() as conn:
            await q.link_status(conn, status_id=status_id, card_id=card_id, url=url)


async def card_for_url(ctx: JobContext, url: str) -> int | None:
    """The stored card for `url` (or for where `url` led before), fetched (again) when
    needed; None when there is none."""
    now = ctx.clock.now()
    async with ctx.db.acquire() as conn:
        stored = await q.get_card_by_url(conn, url=url)
    fresh = stored is not None and stored.updated_at > now - REFRESH_AFTER and not (
        stored.image_remote_url and not stored.image_path)
    if fresh:
        return stored.id   # type: ignore[union-attr]
    if stored is not None and stored.url != url:
        url = stored.url   # refresh the card where the link led, not through the redirect
    try:
        card = await build_card(ctx, url)
    except http.FetchError as exc:
        log.info("no card for %s: %s", url, exc)
        card = None
    if card is None:
        # A page that failed to refresh keeps its old card, as Mastodon's does.
        return stored.id if stored is not None else None
    card = await _with_thumbnail(ctx, card)
    async with ctx.db.transaction() as conn:
        card_id, previous = await q.upsert_card(conn, card_id=new_id(), card=card, now=now)
    if previous and previous != card.image_path:
        await storage.remove(ctx.config, previous)
    return card_id


async def build_card(ctx: JobContext, url: str) -> q.NewCard | None:
    """What the page at `url` (after redirects) says about itself: its oEmbed description if
    it points to one that makes a card, else its own tags; None without title or embed."""
    page_url, text = await http.fetch_page(ctx, url)
    # Parsing a megabyte of HTML takes a third of a second: not on the event loop.
    facts = await asyncio.to_thread(extract.collect, text)
    card = None
    endpoint = extract.oembed_endpoint(facts, page_url)
    if endpoint is not None:
        try:
            data = await oembed.fetch(ctx, endpoint)
        except http.FetchError as exc:
            log.info("oEmbed for %s failed: %s", page_url, exc)
            data = None
        card = oembed.to_card(data, page_url=page_url, endpoint=endpoint) if data else None
    if card is None:
        card = extract.to_card(facts, page_url)
    if not card.title.strip() and not card.html:
        return None
    return card


async def _with_thumbnail(ctx: JobContext, card: q.NewCard) -> q.NewCard:
    """The card with its picture stored as our thumbnail; without one if it cannot be had."""
    if not card.image_remote_url:
        return card
    try:
        resp = await http.get(ctx, card.image_remote_url, accept="image/*",
                              max_bytes=http.IMAGE_BYTES)
        thumb = await asyncio.to_thread(image.make_thumbnail, resp.body)
    except (http.FetchError, image.NotAnImageError) as exc:
        log.info("no picture for the card of %s: %s", card.url, exc)
        return card
    path = await storage.store(ctx.config, IMAGE_FOLDER, thumb.data, thumb.extension)
    card = replace(card, image_path=path, blurhash=thumb.blurhash)
    if card.type == "link":
        # A link card's size is its picture's (Mastodon's extract_dimensions).
        card = replace(card, width=thumb.width, height=thumb.height)
    return card
