"""The public decision log page and its full JSON export."""

from __future__ import annotations

import json

from aiohttp import web

from server.errors import ValidationError
from server.governance.log import service
from server.web.html import render
from server.web.state import DB

routes = web.RouteTableDef()
PAGE = 50


@routes.get("/governance/log")
async def get_log_page(request: web.Request) -> web.Response:
    raw = request.query.get("before", "")
    if raw and not raw.isdigit():
        raise ValidationError("before must be a sequence number.")
    async with request.app[DB].acquire() as conn:
        entries = await service.list_recent(conn, before_seq=int(raw) if raw else None,
                                            limit=PAGE)
        head = await service.get_head(conn)
    older = entries[-1]["seq"] if len(entries) == PAGE and entries[-1]["seq"] > 1 else None
    pretty = {e["seq"]: json.dumps(e["body"], indent=2, ensure_ascii=False, sort_keys=True)
              for e in entries}
    return await render(request, "governance/log.html", entries=entries, head=head,
                        older=older, pretty=pretty)


@routes.get("/governance/log/export.json")
async def get_log_export(request: web.Request) -> web.StreamResponse:
    """Every entry as one JSON array, streamed a page at a time, for download and checking."""
    response = web.StreamResponse(headers={
        "Content-Type": "application/json; charset=utf-8",
        "Content-Disposition": 'attachment; filename="decision-log.json"'})
    await response.prepare(request)
    await response.write(b"[")
    first = True
    async with request.app[DB].acquire() as conn:
        async for entry in service.iter_entries(conn):
            await response.write((b"" if first else b",\n") + json.dumps(
                service.entry_json(entry), ensure_ascii=False, sort_keys=True).encode("utf-8"))
            first = False
    await response.write(b"]\n")
    await response.write_eof()
    return response
