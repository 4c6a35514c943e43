"""Choosing a status's link and reading a page's tags (no network, no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from server.cards import extract, oembed
from server.cards.http import FetchError, check_url, decode_html
from server.cards.links import choose_link, normalize
from server.jobs.context import JobContext
from tests.cards import site
from tests.conftest import make_config

MENTION = ('<span class="h-card" translate="no"><a href="https://mastodon.test/@alice" '
           'class="u-url mention">@<span>alice</span></a></span>')
HASHTAG = ('<a href="https://ch.test/tags/coops" class="mention hashtag" rel="tag">'
           '#<span>coops</span></a>')
LINK = ('<a href="https://Example.ORG:443/read?x=1#top" target="_blank" '
        'rel="nofollow noopener noreferrer">example.org/read</a>')


def test_the_first_plain_link_is_chosen_after_mentions_and_hashtags() -> None:
    content = f"<p>{MENTION} {HASHTAG} look {LINK} and <a href=\"https://two.test/\">two</a></p>"
    assert choose_link(content, mention_urls=set(), local_host="ch.test") == \
        "https://example.org/read?x=1"


def test_a_mention_without_microformats_is_known_by_its_profile_address() -> None:
    content = '<p><a href="https://gts.test/@bob">@bob</a> <a href="http://b.test/x">x</a></p>'
    assert choose_link(content, mention_urls={"https://gts.test/@bob"},
                       local_host="ch.test") == "http://b.test/x"


def test_no_card_link_when_only_mentions_hashtags_local_or_odd_schemes() -> None:
    content = (f"<p>{MENTION} {HASHTAG} <a href=\"https://ch.test/@ada/1\">mine</a> "
               '<a href="mailto:x@y.test">mail</a> <a href="ftp://f.test/">ftp</a> '
               '<a href="javascript:alert(1)">js</a> <a>no href</a></p>')
    assert choose_link(content, mention_urls=set(), local_host="ch.test") is None


def test_normalize() -> None:
    assert normalize("HTTP://News.Test:80") == "http://news.test/"
    assert normalize("https://news.test:8443/a?b#c") == "https://news.test:8443/a?b"
    assert normalize("https://user:pw@news.test/") is None
    assert normalize("https://news.test/" + "a" * 3000) is None
    assert normalize("http://[::1]:99999/") is None


def test_opengraph_wins_over_title_and_description() -> None:
    card = extract.to_card(extract.collect(site.OPENGRAPH), "http://news.test/og?utm=1")
    assert card.url == "http://news.test/og"            # the canonical link, same host
    assert card.type == "link"
    assert card.title == "Les communs & nous"
    assert card.description == "Un article sur les coopératives."
    assert card.image_remote_url == "http://news.test/pic.jpg"
    assert card.image_description == "A blue square"
    assert card.provider_name == "News Test"
    assert card.language == "fr"
    assert card.published_at == datetime(2026, 11, 20, 8, 30, tzinfo=UTC)


def test_a_canonical_link_to_another_host_is_ignored() -> None:
    page = '<html><head><title>t</title><link rel="canonical" href="https://evil.test/"></head>'
    assert extract.to_card(extract.collect(page), "http://news.test/a").url == "http://news.test/a"


def test_json_ld_comes_first_and_broken_blocks_are_skipped() -> None:
    card = extract.to_card(extract.collect(site.JSON_LD), "http://news.test/jsonld")
    assert card.title == "Structured headline"
    assert card.description == "Structured description"
    assert card.author_name == "Rosa"
    assert card.author_url == "http://news.test/authors/rosa"
    assert card.provider_name == "Die Zeitung"
    assert card.language == "de"
    assert card.published_at is not None and card.published_at.utcoffset() is not None


def test_a_twitter_player_makes_a_video_card_with_our_own_iframe() -> None:
    card = extract.to_card(extract.collect(site.TWITTER_PLAYER), "http://news.test/twitter")
    assert card.type == "video"
    assert (card.width, card.height) == (480, 270)
    assert card.html.startswith('<iframe src="https://player.news.test/embed/42" width="480"')
    assert card.embed_url == "https://player.news.test/42.mp4"
    assert card.title == "A clip"


def test_a_plain_page_gives_its_title_and_description() -> None:
    card = extract.to_card(extract.collect(site.PLAIN), "http://news.test/plain")
    assert (card.title, card.description) == ("Just a title", "And a description.")
    assert card.image_remote_url is None and card.html == ""


def test_oembed_discovery_reads_only_json_links() -> None:
    facts = extract.collect(site.OEMBED_PAGE)
    assert extract.oembed_endpoint(facts, "http://news.test/video") == \
        "http://news.test/oembed.json?url=x"
    assert extract.oembed_endpoint(extract.collect(site.PLAIN), "http://news.test/") is None


def test_oembed_video_html_keeps_only_the_iframe() -> None:
    card = oembed.to_card(site.OEMBED_VIDEO, page_url="http://news.test/video",
                          endpoint="http://news.test/oembed.json")
    assert card is not None and card.type == "video"
    assert card.html == ('<iframe width="560" height="315" src="https://video.news.test/embed/7" '
                         'frameborder="0" allowfullscreen=""></iframe>bold')
    assert "script" not in card.html and "onload" not in card.html
    assert (card.author_name, card.provider_name) == ("Kit", "VideoTest")


def test_oembed_rich_and_photo_without_url_make_no_card() -> None:
    assert oembed.to_card({"type": "rich", "html": "<b>x</b>"}, page_url="http://a.test/",
                          endpoint="http://a.test/o") is None
    assert oembed.to_card({"type": "photo"}, page_url="http://a.test/",
                          endpoint="http://a.test/o") is None


def test_charset_from_header_then_meta_then_utf8() -> None:
    assert "Café" in decode_html(site.LATIN1, "iso-8859-1")
    meta = '<meta charset="windows-1252"><title>Caf\xe9</title>'.encode("cp1252")
    assert "Café" in decode_html(meta, None)
    assert decode_html("é".encode(), None) == "é"
    assert decode_html(b"\xff\xfe ok", "no-such-charset").endswith(" ok")


def test_stored_remote_html_without_rel_still_hides_its_hashtags_and_mentions() -> None:
    content = ('<p><a href="https://m.test/tags/a" class="mention hashtag" '
               'rel="nofollow noopener noreferrer">#<span>a</span></a> '
               '<a href="https://misskey.test/tags/b" rel="nofollow">#b</a> '
               '<a href="https://misskey.test/@c" rel="nofollow">@c</a> '
               '<a href="https://m.test/read" rel="nofollow">read</a></p>')
    assert choose_link(content, mention_urls=set(), local_host="ch.test") == "https://m.test/read"


def test_card_urls_may_be_plain_http_but_nothing_else() -> None:
    config = replace(make_config(), allow_http=False, allow_private_addresses=False)
    ctx = JobContext(db=None, clock=None, config=config)  # type: ignore[arg-type]
    check_url("http://news.test/a", ctx)          # unlike ActivityPub fetches
    check_url("https://news.test/a", ctx)
    for bad in ("ftp://news.test/", "https://u:p@news.test/", "http://10.0.0.1/",
                "http://[::1]/", "file:///etc/passwd"):
        with pytest.raises(FetchError):
            check_url(bad, ctx)


def test_oembed_photo_and_link_answers() -> None:
    photo = oembed.to_card({"version": "1.0", "type": "photo", "url": "/p/1.jpg", "width": 800,
                            "height": "600", "title": "A photo", "provider_url": "/"},
                           page_url="https://pics.test/p/1", endpoint="https://pics.test/oembed")
    assert photo is not None
    assert (photo.type, photo.embed_url, photo.image_remote_url) == (
        "photo", "https://pics.test/p/1.jpg", "https://pics.test/p/1.jpg")
    assert (photo.width, photo.height, photo.provider_url) == (800, 600, "https://pics.test/")
    link = oembed.to_card({"version": "1.0", "type": "link", "title": "T",
                           "thumbnail_url": "https://pics.test/t.png"},
                          page_url="https://pics.test/a", endpoint="https://pics.test/oembed")
    assert link is not None and link.image_remote_url == "https://pics.test/t.png"
    assert link.html == "" and (link.width, link.height) == (0, 0)
