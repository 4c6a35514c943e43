"""A fake web site for link previews, served on loopback as `news.test`.

Each path is one kind of page a card may (or may not) be made from; `hits` counts requests
per path, so tests can see what was fetched and how often.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from typing import Any

from aiohttp import web
from PIL import Image

HOST = "news.test"
BASE = f"http://{HOST}"


def picture(size: tuple[int, int] = (1200, 800)) -> bytes:
    """A JPEG carrying EXIF (camera make, GPS-looking comment) that must not survive."""
    image = Image.new("RGB", size, (30, 120, 200))
    for x in range(size[0]):
        image.putpixel((x, 0), (250, 250, 0))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    exif[0x9286] = "lat 51.5 lon -0.1"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


OPENGRAPH = f"""<!doctype html>
<html lang="fr-FR"><head>
<meta charset="utf-8">
<title>Fallback title</title>
<meta property="og:title" content="Les communs &amp; nous">
<meta property="og:description" content="Un article sur les coopératives.">
<meta property="og:image" content="/pic.jpg">
<meta property="og:image:alt" content="A blue square">
<meta property="og:site_name" content="News Test">
<meta property="og:type" content="article">
<meta property="article:published_time" content="2026-11-20T08:30:00Z">
<meta name="description" content="Not this one">
<link rel="canonical" href="{BASE}/og">
</head><body><p>Body text</p></body></html>"""

TWITTER_PLAYER = """<html><head><title>A clip</title>
<meta name="twitter:card" content="player">
<meta name="twitter:player" content="https://player.news.test/embed/42">
<meta name="twitter:player:width" content="480">
<meta name="twitter:player:height" content="270">
<meta name="twitter:player:stream" content="https://player.news.test/42.mp4">
</head><body></body></html>"""

PLAIN = """<html><head><title>  Just a title  </title>
<meta name="description" content="And a description."></head><body>Hello</body></html>"""

NO_TITLE = "<html><head></head><body><p>Nothing to call it by</p></body></html>"

JSON_LD = """<html><head><title>HTML title</title>
<meta property="og:title" content="OpenGraph title">
<script type="application/ld+json">{ not json </script>
<script type="application/ld+json">
//<![CDATA[
{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Structured headline",
 "description": "Structured description", "inLanguage": "de",
 "datePublished": "2026-11-01T10:00:00+01:00",
 "author": [{"@type": "Person", "name": "Rosa", "url": "/authors/rosa"}],
 "publisher": {"@type": "Organization", "name": "Die Zeitung"}}
//]]>
</script></head><body></body></html>"""

OEMBED_PAGE = f"""<html><head><title>Video page</title>
<link rel="alternate" type="application/json+oembed" href="{BASE}/oembed.json?url=x">
<link rel="alternate" type="text/xml+oembed" href="{BASE}/oembed.xml">
</head><body></body></html>"""

OEMBED_VIDEO = {
    "version": "1.0", "type": "video", "title": "Cats in the commons",
    "author_name": "Kit", "author_url": "https://video.news.test/@kit",
    "provider_name": "VideoTest", "provider_url": "https://video.news.test/",
    "width": 560, "height": 315, "thumbnail_url": f"{BASE}/pic.jpg",
    "html": ('<iframe width="560" height="315" src="https://video.news.test/embed/7" '
             'frameborder="0" allowfullscreen onload="steal()"></iframe>'
             '<script src="https://evil.test/x.js"></script><b>bold</b>'),
}

RICH_PAGE = f"""<html><head><title>Rich page</title>
<meta property="og:title" content="Rich falls back to OpenGraph">
<link rel="alternate" type="application/json+oembed" href="{BASE}/rich.json">
</head></html>"""

LATIN1 = "<html><head><title>Caf\xe9 cr\xe8me</title></head></html>".encode("latin-1")


class Site:
    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.port = 0   # set once it listens
        self.image = picture()
        self.pages: dict[str, str] = {
            "/og": OPENGRAPH, "/twitter": TWITTER_PLAYER, "/plain": PLAIN,
            "/notitle": NO_TITLE, "/jsonld": JSON_LD, "/video": OEMBED_PAGE, "/rich": RICH_PAGE,
            "/hugepic": ('<html><head><title>Huge picture</title>'
                         '<meta property="og:image" content="/huge.jpg"></head></html>'),
            "/notpic": ('<html><head><title>Not a picture</title>'
                        '<meta property="og:image" content="/plain"></head></html>'),
        }

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._count])
        app.router.add_get("/{path:.*}", self._get)
        return app

    @web.middleware
    async def _count(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.hits[request.path] += 1
        return await handler(request)

    async def _get(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path in self.pages:
            return web.Response(text=self.pages[path], content_type="text/html")
        if path == "/pic.jpg":
            return web.Response(body=self.image, content_type="image/jpeg")
        if path == "/huge.jpg":   # over the 2 MB a card picture may weigh
            return web.Response(body=self.image + b"\0" * (2 * 1024 * 1024),
                                content_type="image/jpeg")
        if path == "/oembed.json":
            return web.json_response(OEMBED_VIDEO)
        if path == "/rich.json":
            return web.json_response({"version": "1.0", "type": "rich",
                                      "html": "<script></script>"})
        if path == "/latin1":
            return web.Response(body=LATIN1,
                                headers={"Content-Type": "text/html; charset=iso-8859-1"})
        if path == "/redirect":
            raise web.HTTPFound("/og")
        if path == "/loop":
            raise web.HTTPFound("/loop")
        if path == "/data.json":
            return web.json_response({"title": "not a page"})
        if path == "/big":
            return await self._big(request)
        return web.Response(status=404, text="<html><head><title>Not found</title></head></html>",
                            content_type="text/html")

    async def _big(self, request: web.Request) -> web.StreamResponse:
        """A 5 MB page whose head comes first: the card is read from the first megabyte."""
        resp = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
        await resp.prepare(request)
        await resp.write(b"<html><head><title>A very long page</title></head><body>")
        chunk = b"<p>" + b"x" * 65_530 + b"</p>"
        for _ in range(80):
            try:
                await resp.write(chunk)
            except (ConnectionResetError, RuntimeError):
                break   # the reader stopped at its limit
        return resp
