"""The inboxes: `POST /inbox` (shared), `POST /users/NAME/inbox` and `POST /actor/inbox`.

A POST is checked in this order; the first row that applies decides the answer, and
nothing is stored unless the last column says so.

| #  | Condition                                                          | Answer | Stored |
|----|--------------------------------------------------------------------|--------|--------|
| 1  | `/users/NAME/inbox` of an account we do not have                   | 404    | no     |
| 2  | Body over 1 MiB (by Content-Length or as read)                     | 413    | no     |
| 3  | Content-Type not activity+json, ld+json or json                    | 415    | no     |
| 4  | Not JSON, not an object, over 32 levels deep, a NUL character      | 400    | no     |
| 5  | `id`, `type` or `actor` missing or not a string                    | 400    | no     |
| 6  | id or actor not https (http if allowed), or id off actor's host    | 400    | no     |
| 7  | Actor's domain (or a parent) suspended, or the actor suspended     | 202    | no     |
| 8  | `Delete` of an actor by itself that we never knew                  | 202    | no     |
| 9  | No signature; malformed; Date outside ±1 h; digest ≠ body          | 401    | no     |
| 10 | Key not stored here: off the actor's host 403; backlog full 503    | 202    | later  |
| 11 | Key not found, or not verifying even after one refetch             | 401    | no     |
| 12 | The key's server does not answer in time (or answers 5xx)          | 503    | no     |
| 13 | Key owner is not the activity's actor                              | 403    | no     |
| 14 | Same activity id as an activity stored before                      | 202    | once   |
| 15 | Valid                                                              | 202    | yes    |

"yes" is one transaction: the raw activity in `inbox_items` and a
`federation.process_inbox_item` job. POSTs stored at the same moment share that transaction
(inbox_store: group commit), each row still decided on its own, each answered once its row
is committed.

"later" (row 10, with `inbox_defer_unknown_keys`, the default): a key the database does not
have would cost this process a signed GET to the key's server, often a TLS handshake, and
storing the actor, while the sender waits on a server that may be slow. Instead the request,
with its signature already parsed (row 9 passed: digest and Date checked), is kept in
`inbox_unverified` (at most `unverified.MAX_PER_HOST` per key host and `MAX_TOTAL` in all;
beyond, 503 with Retry-After) with a `federation.verify_inbox_item` job. The job decides
rows 11–15 as the POST would have, except that what would be refused is dropped (logged
and counted) and a key server that does not answer is retried for an hour. Without the
setting rows 11–13 answer the POST directly.

Most POSTs come from senders whose key verified here before. For them, rows 9 and 11 are
checked with the key this process remembers (no lookup), and rows 7, 13, 14 and 15 are
decided by the one statement that stores: it stores only if the sender's domain and
account are not suspended and the database still gives that key to that actor. Anything
else (no remembered key, a failed check, a changed key) goes the long way, row by row,
except that with `inbox_defer_unknown_keys` a signature that parsed, by a key on the actor's
host, has rows 7, 8 and 10 decided by the one statement that keeps the POST (and that also
says whether the key is stored after all): a new sender's POST costs one round trip too.

Later, in the job: an activity that does not parse ends `failed` with the reason; a type we
do not handle ends `ignored` with the reason; a remote server that is down makes the job
retry with backoff (the item keeps the last error).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiohttp import web

from server.errors import (
    ActorMismatchError,
    BadRequestError,
    CommonholdError,
    NotFoundError,
    PayloadTooLargeError,
    SignatureError,
)
from server.federation import queries, uris
from server.federation.activitypub import inbox_store, keyring
from server.federation.activitypub import queries as ap_q
from server.federation.activitypub.http import context
from server.federation.activitypub.parse import uri_of
from server.federation.activitypub.sigcore import ParsedSignature
from server.federation.activitypub.signatures import verify_parsed
from server.federation.activitypub.unverified import service as unverified
from server.federation.jsonlimits import JsonRefusedError, parse_json_object
from server.ids import new_id
from server.jobs.context import JobContext

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

MAX_BODY_BYTES = 1024 * 1024
CONTENT_TYPES = frozenset({"application/activity+json", "application/ld+json",
                           "application/json"})
PROCESS_JOB = "federation.process_inbox_item"


class UnsupportedMediaTypeError(CommonholdError):
    status = 415
    code = "unsupported_media_type"


@dataclass(frozen=True)
class Envelope:
    """The little of an activity the inbox needs before it is stored."""

    id: str
    type: str
    actor: str
    object_id: str | None


def check_shape(doc: dict[str, Any], config: Any) -> Envelope:
    fields = {name: doc.get(name) for name in ("id", "type", "actor")}
    actor = uri_of(fields["actor"]) if isinstance(fields["actor"], dict) else fields["actor"]
    if not isinstance(fields["id"], str) or not isinstance(fields["type"], str) \
            or not isinstance(actor, str):
        raise BadRequestError("An activity needs string id, type and actor.")
    for what, uri in (("id", fields["id"]), ("actor", actor)):
        if not uris.acceptable_id(uri, config):
            scheme = "https" if not config.allow_http else "http(s)"
            raise BadRequestError(f"The activity's {what} must be an {scheme} URI.")
    if not uris.same_host(fields["id"], actor):
        raise BadRequestError("The activity's id is not on its actor's host.")
    return Envelope(fields["id"], fields["type"], actor, uri_of(doc.get("object")))


async def read_body(request: web.Request, limit: int = MAX_BODY_BYTES) -> bytes:
    declared = request.content_length
    if declared is not None and declared > limit:
        raise PayloadTooLargeError(f"Activities may be at most {limit} bytes.")
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"Activities may be at most {limit} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


async def _dropped_by_policy(ctx: JobContext, env: Envelope) -> str | None:
    """Why this activity is silently dropped, or None."""
    async with ctx.db.acquire_plain() as conn:
        state = await ap_q.get_inbox_sender_state(conn, domains=_domains(env),
                                                  actor_uri=env.actor)
    if state.domain_suspended:
        return "domain suspended"
    if state.actor_suspended:
        return "actor suspended"
    if not state.actor_known and env.type == "Delete" and env.object_id == env.actor:
        return "Delete of an actor we never knew"
    return None


def _domains(env: Envelope) -> list[str]:
    return uris.domain_suffixes(uris.host_of(env.actor))


async def verify(ctx: JobContext, parsed: ParsedSignature, env: Envelope) -> keyring.SignerKey:
    """The key that signed this request, checked; raises SignatureError (401),
    KeyUnavailableError (503) or ActorMismatchError (403)."""
    key = await keyring.signer_for(ctx, parsed)
    # Only the actor itself speaks for the actor. A key of another account on the same
    # server is not enough: that would let any user of a big server speak for the others.
    # Forwarded activities (signed by the forwarder) are refused too: Mastodon takes them
    # only with a linked-data signature of the actor, which we do not check.
    if key.owner_uri != env.actor:
        raise ActorMismatchError("The signing key does not belong to the activity's actor.")
    return key


async def store(ctx: JobContext, *, body: bytes, doc: dict[str, Any], env: Envelope,
                signed_by: str, inbox_account_id: int | None,
                remembered_pem: str | None = None) -> ap_q.StoreOutcome:
    """Keep the raw activity and enqueue its processing, atomically, in one statement (shared
    with the POSTs stored at the same moment, see inbox_store) that also re-checks the
    suspensions (and, with `remembered_pem`, that the key is still the
    actor's). `stored` is False for a duplicate and whenever the outcome says why."""
    try:
        raw_json = body.decode("utf-8")
    except UnicodeDecodeError:  # JSON may also arrive as UTF-16 or UTF-32
        raw_json = json.dumps(doc)
    item = ap_q.ItemToStore(
        domains=_domains(env), item_id=new_id(), actor_uri=env.actor, signed_by=signed_by,
        remembered_pem=remembered_pem, activity_id=env.id, type=env.type, raw_json=raw_json,
        inbox_account_id=inbox_account_id, received_at=ctx.clock.now())
    try:
        # written together with the other POSTs waiting at this moment (group commit)
        return await inbox_store.writer_for(ctx.db, PROCESS_JOB).store(item)
    except asyncpg.DataError:
        # e.g. a lone UTF-16 surrogate, which PostgreSQL's jsonb refuses
        raise BadRequestError("The activity contains text that cannot be stored.") from None


def _dropped(outcome: ap_q.StoreOutcome) -> str | None:
    if outcome.domain_suspended:
        return "domain suspended"
    if outcome.actor_suspended:
        return "actor suspended"
    return None


async def _accept_known_signer(ctx: JobContext, parsed: ParsedSignature, body: bytes,
                               doc: dict[str, Any], env: Envelope,
                               inbox_account_id: int | None) -> bool:
    """The common case in one round trip: a key that verified before (remembered by this
    process) verifies this request too, and one statement checks the policy rows 7 and
    12 against the database while it stores. True when the request is answered (202);
    False sends it the long way (policy lookups, key lookup or fetch, then store), which
    decides every other row, so an answer never depends on what this process remembers."""
    found = keyring.remembered(parsed.key_id)
    if found is None or found[0].owner_uri != env.actor \
            or not uris.acceptable_id(parsed.key_id, ctx.config):
        return False
    remembered, public_key = found
    try:
        verify_parsed(parsed, public_key)
    except SignatureError:
        return False  # rotated, or not this actor at all: the long way decides
    try:
        outcome = await store(ctx, body=body, doc=doc, env=env, signed_by=parsed.key_id,
                              inbox_account_id=inbox_account_id, remembered_pem=remembered.pem)
    except BadRequestError:
        return False  # the long way answers it: a suspended sender's is dropped before this
    reason = _dropped(outcome)
    if reason is not None:
        log.info("inbox: dropped %s %s from %s (%s)", env.type, env.id, env.actor, reason)
        return True
    if not outcome.signer_current:
        keyring.forget(parsed.key_id)
        return False
    return True


def _deferrable(ctx: JobContext, parsed: ParsedSignature, env: Envelope) -> bool:
    """A key and its owner are always on one host (a key document must name an owner on its
    own host), and only the actor may sign, so a key id off the actor's host can never
    verify: such a POST is refused without a fetch (in _defer, after the policy rows)."""
    return (uris.acceptable_id(parsed.key_id, ctx.config)
            and uris.same_host(parsed.key_id, env.actor))


async def _defer(ctx: JobContext, parsed: ParsedSignature, body: bytes, doc: dict[str, Any],
                 env: Envelope, inbox_account_id: int | None) -> None:
    """Rows 7, 8 and 10 in one statement: unless the policy drops it, keep the POST for the
    verify job. Whether the key is stored is asked by the same statement: when it is,
    nothing is kept and the POST is verified and stored now, rows 11-15 as without the
    setting."""
    if not uris.acceptable_id(parsed.key_id, ctx.config):
        raise SignatureError("the key id is not an acceptable URI", reason="bad_key_id")
    if not uris.same_host(parsed.key_id, env.actor):
        raise ActorMismatchError("The signing key does not belong to the activity's actor.")
    deferral = await unverified.defer(
        ctx, parsed=parsed, activity_id=env.id, actor_uri=env.actor, type=env.type,
        raw_json=unverified.raw_text(body, doc), inbox_account_id=inbox_account_id,
        deletes_actor=env.type == "Delete" and env.object_id == env.actor)
    if deferral.dropped is not None:
        log.info("inbox: dropped %s %s from %s (%s)", env.type, env.id, env.actor,
                 deferral.dropped)
        return
    owner = deferral.key_owner
    if owner is None:
        return
    key = await keyring.signer_for(ctx, parsed, stored=owner)
    if key.owner_uri != env.actor:  # as verify()
        raise ActorMismatchError("The signing key does not belong to the activity's actor.")
    reason = _dropped(await store(ctx, body=body, doc=doc, env=env, signed_by=key.key_id,
                                  inbox_account_id=inbox_account_id))
    if reason is not None:
        log.info("inbox: dropped %s %s from %s (%s)", env.type, env.id, env.actor, reason)


async def receive(request: web.Request, *, inbox_account_id: int | None) -> web.Response:
    ctx = context(request.app)
    body = await read_body(request)
    if request.content_type not in CONTENT_TYPES:
        raise UnsupportedMediaTypeError("Send activities as application/activity+json.")
    try:
        # the body is stored as received; this parse serves only check_shape
        doc = parse_json_object(body, exact_integers=False)
    except JsonRefusedError as exc:
        raise BadRequestError(f"Not an activity: {exc}.") from None
    env = check_shape(doc, ctx.config)
    # Parsed once for both ways; a refusal waits for rows 7 and 8, which come first.
    try:
        parsed, refused = keyring.parse_signature(ctx, request, body), None
    except SignatureError as exc:
        parsed, refused = None, exc
    if parsed is not None \
            and await _accept_known_signer(ctx, parsed, body, doc, env, inbox_account_id):
        return web.Response(status=202)
    if parsed is not None and ctx.config.inbox_defer_unknown_keys \
            and _deferrable(ctx, parsed, env):
        # A new sender's POST: the policy rows and keeping it, in one round trip.
        try:
            await _defer(ctx, parsed, body, doc, env, inbox_account_id)
        except CommonholdError as exc:
            log.info("inbox: refused %s %s from %s: %s", env.type, env.id, env.actor,
                     exc.message)
            raise
        return web.Response(status=202)
    reason = await _dropped_by_policy(ctx, env)
    if reason is not None:
        log.info("inbox: dropped %s %s from %s (%s)", env.type, env.id, env.actor, reason)
        return web.Response(status=202)
    try:
        if parsed is None:
            assert refused is not None
            raise refused
        if ctx.config.inbox_defer_unknown_keys:
            await _defer(ctx, parsed, body, doc, env, inbox_account_id)
            return web.Response(status=202)
        key = await verify(ctx, parsed, env)
    except CommonholdError as exc:
        log.info("inbox: refused %s %s from %s: %s", env.type, env.id, env.actor, exc.message)
        raise
    outcome = await store(ctx, body=body, doc=doc, env=env, signed_by=key.key_id,
                          inbox_account_id=inbox_account_id)
    reason = _dropped(outcome)
    if reason is not None:  # suspended since the check above
        log.info("inbox: dropped %s %s from %s (%s)", env.type, env.id, env.actor, reason)
    return web.Response(status=202)


@routes.post("/inbox")
@routes.post("/actor/inbox")
async def post_shared_inbox(request: web.Request) -> web.Response:
    return await receive(request, inbox_account_id=None)


@routes.post(r"/users/{username:[A-Za-z0-9_]+}/inbox")
async def post_inbox(request: web.Request) -> web.Response:
    app_ctx = context(request.app)
    async with app_ctx.db.acquire_plain() as conn:
        account = await queries.get_local_actor(conn, username=request.match_info["username"])
    if account is None:
        raise NotFoundError("There is no such inbox.")
    return await receive(request, inbox_account_id=account["id"])
