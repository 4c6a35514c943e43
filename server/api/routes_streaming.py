"""Streaming: /api/v1/streaming as a WebSocket (subscribe and unsubscribe messages) and the
server-sent-events forms (/api/v1/streaming/user, /public, /hashtag…).

Each web process runs one StreamHub listening on one connection; a client's events are
rendered here, for that client's viewer, when they are sent.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

from aiohttp import WSMsgType, web

from server.api.auth import TokenContext, optional_token, require_token
from server.api.params import Params, parse_id, read_params
from server.api.streaming_render import (NOT_READY, Outgoing, ready_outgoing, ready_payload,
                                         announcement_payload, render_event,
                                         render_update)
from server.errors import BadRequestError, CommonholdError, UnauthorizedError
from server.lists import queries as lists_q
from server.streaming.hub import StreamClient, StreamHub
from server.web.state import CLOCK, CONFIG, DB

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
STREAM_HUB: web.AppKey[StreamHub] = web.AppKey("stream_hub", StreamHub)
HEARTBEAT_SECONDS = 30.0
RETRY_SECONDS = 5.0
USER_STREAMS = frozenset({"user", "user:notification", "direct", "list"})
# Past this many unsent bytes an event waits in the client's queue (whose limit closes a
# stream that stopped reading) instead of being written at once.
SEND_NOW_BUFFER_LIMIT = 64 * 1024


def install(app: web.Application) -> None:
    """One hub per app, listening for as long as the app runs."""
    app[STREAM_HUB] = StreamHub(
        app[DB], renderer=partial(render_update, app[DB], app[CONFIG], app[CLOCK]),
        announcer=partial(announcement_payload, app[DB], app[CONFIG], app[CLOCK]))
    app.cleanup_ctx.append(_hub_context)
    app.on_shutdown.append(_end_streams)


async def _hub_context(app: web.Application) -> AsyncIterator[None]:
    """A database that cannot be reached at start must not keep the app (and its health
    check) from starting: the hub keeps trying in the background instead."""
    hub = app[STREAM_HUB]
    starter = None
    try:
        await hub.start()      # normally listening before the first request is served
    except Exception as exc:  # noqa: BLE001 - any connection failure: keep trying
        log.warning("stream hub cannot listen yet (%s); retrying", exc)
        starter = asyncio.create_task(_start_hub(hub), name="stream-hub-start")
    yield
    if starter is not None:
        starter.cancel()
    await hub.stop()


async def _start_hub(hub: StreamHub) -> None:
    while True:
        await asyncio.sleep(RETRY_SECONDS)
        try:
            await hub.start()
            return
        except Exception as exc:  # noqa: BLE001 - any connection failure: try again
            log.warning("stream hub cannot listen yet (%s); retrying", exc)


async def _end_streams(app: web.Application) -> None:
    """Open streams end when the server shuts down, rather than holding the shutdown up."""
    for client in list(app[STREAM_HUB].clients):
        client.close()


def stream_key(name: str, params: Params) -> str:
    """A Mastodon stream name (and its tag or list) as the hub's key."""
    if name in ("hashtag", "hashtag:local"):
        tag = (params.str("tag", strip=True) or "").lstrip("#").lower()
        if not tag:
            raise BadRequestError("A tag is required for the hashtag stream")
        return f"{name}:{tag}"
    if name == "list":
        list_id = params.str("list", strip=True) or ""
        if not list_id.isdigit():
            raise BadRequestError("A list id is required for the list stream")
        return f"list:{list_id}"
    if name in ("public", "public:local", "public:remote") and params.bool("only_media"):
        return f"{name}:media"
    if name in ("user", "user:notification", "direct", "public", "public:local", "public:remote",
                "public:media", "public:local:media", "public:remote:media"):
        return name
    raise BadRequestError(f"Unknown stream type {name!r}")


def _needs_user(key: str) -> bool:
    return key.split(":", 1)[0] in ("user", "direct", "list")


async def _check_list_owner(request: web.Request, token: TokenContext | None, key: str) -> None:
    """A list's stream is its owner's alone (the hub routes list events by list id only)."""
    if not key.startswith("list:"):
        return
    list_id = parse_id(key.split(":", 1)[1])
    owned = False
    if list_id is not None and token is not None and token.account_id is not None:
        async with request.app[DB].acquire() as conn:
            owned = await lists_q.owns_list(conn, list_id=list_id, account_id=token.account_id)
    if not owned:
        raise UnauthorizedError("Not authorized to stream this list")


async def _token_for(request: web.Request, key: str) -> TokenContext | None:
    if _needs_user(key):
        return await require_token(request, "read:statuses",
                                   alternatives=("read:notifications",))
    return await optional_token(request, "read:statuses")


@routes.get("/api/v1/streaming/health")
async def streaming_health(request: web.Request) -> web.Response:
    return web.Response(text="OK", content_type="text/plain")


def _sse_route(path: str, name: str) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        key = stream_key(name, await read_params(request))
        token = await _token_for(request, key)
        await _check_list_owner(request, token, key)
        return await _serve_sse(request, token, key)

    handler.__name__ = "streaming_" + name.replace(":", "_")
    routes.get("/api/v1/streaming/" + path)(handler)


for _path, _name in (("user", "user"), ("user/notification", "user:notification"),
                     ("public", "public"), ("public/local", "public:local"),
                     ("public/remote", "public:remote"), ("hashtag", "hashtag"),
                     ("hashtag/local", "hashtag:local"), ("list", "list"), ("direct", "direct")):
    _sse_route(_path, _name)


async def _next(client: StreamClient) -> Any:
    return await client.next_event(HEARTBEAT_SECONDS)


def _sse_frame(out: Outgoing) -> bytes:
    data = out.payload if out.payload is not None else ""
    return f"event: {out.event}\ndata: {data}\n\n".encode()


def _sse_sender(request: web.Request, response: web.StreamResponse, client: StreamClient):  # type: ignore[no-untyped-def]
    """Writes ready events (see ready_outgoing) from the hub's own call, while the socket
    keeps up; anything else goes through the client's queue and task."""
    def send_now(event: Any) -> bool:
        transport = request.transport
        if transport is None or transport.get_write_buffer_size() > SEND_NOW_BUFFER_LIMIT:
            return False
        frame = _ready_frame(client, event)
        if frame is NOT_READY:
            return False
        if frame is None:
            return True          # nothing this viewer may see
        # An uncompressed write completes without suspending unless the socket asks for a
        # drain, and then only after the bytes were handed over: the drain is skipped here,
        # and the buffer check above sends later events through the task, which awaits it.
        step = response.write(frame)  # type: ignore[arg-type]
        try:
            step.send(None)
        except StopIteration:
            return True
        except ConnectionError:
            client.close()
            return True
        step.close()
        return True

    return send_now


def _ready_frame(client: StreamClient, event: Any) -> bytes | str | None:
    """The SSE frame of a ready event (None: nothing for this viewer; NOT_READY). An update
    shared by many streams is framed once per audience: SSE frames do not name the stream."""
    audience = event.audience
    payload = ready_payload(event, client.account_id)
    if payload is NOT_READY:
        out = ready_outgoing(client, event)    # a delete or a filters change
        return out if out is None or out is NOT_READY else _sse_frame(out)  # type: ignore[arg-type]
    if payload is None:
        return None
    key = id(payload)  # the payload lives as long as the audience, so its id names it
    frame = audience.encoded.get(key)
    if frame is None:
        frame = audience.encoded[key] = _sse_frame(Outgoing([], event.event, payload))
    return frame


async def _serve_sse(request: web.Request, token: TokenContext | None, key: str) -> web.StreamResponse:
    hub = request.app[STREAM_HUB]
    client = StreamClient(token.account_id if token else None, {key})
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                           "Cache-Control": "no-store",
                                           "X-Accel-Buffering": "no"})
    hub.add(client)      # before the headers go out: a client that sees them is subscribed
    try:
        await response.prepare(request)
        await response.write(b":)\n\n")
        client.send_now = _sse_sender(request, response, client)
        while True:
            item = await _next(client)
            if item is None:
                break
            if item == "heartbeat":
                await response.write(b":thump\n\n")
                continue
            out = await _render(request, client, item)
            if out is not None:
                await response.write(_sse_frame(out))
    except ConnectionError:   # the client went away
        pass
    finally:
        client.send_now = None
        hub.remove(client)
    return response


async def _render(request: web.Request, client: StreamClient, event: Any) -> Outgoing | None:
    try:
        return await render_event(request.app[DB], request.app[CONFIG], request.app[CLOCK],
                                  client, event)
    except Exception:  # one bad event must not end the stream
        log.exception("could not render stream event %s", event)
        return None


@routes.get("/api/v1/streaming")
async def streaming_websocket(request: web.Request) -> web.StreamResponse:
    params = await read_params(request)
    token = await optional_token(request, None)
    protocol = request.headers.get("Sec-WebSocket-Protocol", "").strip()
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT_SECONDS,
                               protocols=(protocol,) if protocol else ())
    if not ws.can_prepare(request).ok:
        raise BadRequestError("This endpoint expects a WebSocket connection")
    client = StreamClient(token.account_id if token else None, set())
    if params.str("stream"):
        await _subscribe(request, client, token, params.str("stream") or "", params)
    await ws.prepare(request)
    hub = request.app[STREAM_HUB]
    hub.add(client)
    sender = asyncio.create_task(_send_events(request, ws, client))
    try:
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            await _handle_message(request, ws, client, token, message.data)
    finally:
        hub.remove(client)
        client.close()
        sender.cancel()
    return ws


async def _subscribe(request: web.Request, client: StreamClient, token: TokenContext | None,
                     name: str, params: Params) -> str:
    key = stream_key(name, params)
    if _needs_user(key) and (token is None or token.account_id is None
                             or not (token.allows("read:statuses")
                                     or token.allows("read:notifications"))):
        raise BadRequestError("Access token is required for this stream")
    await _check_list_owner(request, token, key)
    client.streams.add(key)
    return key


async def _handle_message(request: web.Request, ws: web.WebSocketResponse,
                          client: StreamClient, token: TokenContext | None, data: str) -> None:
    try:
        message = json.loads(data)
        if not isinstance(message, dict):
            raise ValueError("not an object")
        params = Params({k: v for k, v in message.items() if isinstance(v, str)})
        kind, name = message.get("type"), str(message.get("stream") or "")
        if kind == "subscribe":
            await _subscribe(request, client, token, name, params)
        elif kind == "unsubscribe":
            client.streams.discard(stream_key(name, params))
    except (ValueError, CommonholdError) as exc:
        text = exc.message if isinstance(exc, CommonholdError) else "Could not parse the message"
        status = exc.status if isinstance(exc, CommonholdError) else 400
        await ws.send_str(json.dumps({"error": text, "status": status}))


async def _send_events(request: web.Request, ws: web.WebSocketResponse, client: StreamClient) -> None:
    while not ws.closed:
        item = await _next(client)
        if item is None:
            await ws.close()
            return
        if item == "heartbeat":
            continue
        out = await _render(request, client, item)
        if out is None:
            continue
        body: dict[str, Any] = {"stream": out.stream, "event": out.event}
        if out.payload is not None:
            body["payload"] = out.payload
        try:
            await ws.send_str(json.dumps(body))
        except ConnectionError:
            return
