"""The governance actor's documents: the Group at /actor/coop, its collections, inbox,
and each published proposal (`Question`) and outcome (`Note`)."""

from __future__ import annotations

from aiohttp import web

from server.errors import NotFoundError
from server.federation.activitypub import serialize
from server.federation.activitypub.http import activitypub_type, ap_response
from server.federation.activitypub.inbox_routes import receive
from server.governance.federation import actor, publish, queries
from server.governance.proposals import queries as proposals_q
from server.statuses import queries as statuses_q
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()


def _answer(request: web.Request, doc: dict, cache_seconds: int = 60) -> web.Response:
    return ap_response(doc, content_type=activitypub_type(request) or serialize.AP_CONTENT_TYPE,
                       cache_seconds=cache_seconds)


@routes.get(actor.PATH)
async def get_group(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    async with request.app[DB].transaction() as conn:
        coop = await actor.ensure_coop_account(conn, config=config, now=request.app[CLOCK].now())
        doc = await queries.get_coop_actor(conn, account_id=coop.id)
    assert doc is not None
    return _answer(request, actor.to_ap_group(doc, config=config), cache_seconds=180)


@routes.post(actor.PATH + "/inbox")
async def post_group_inbox(request: web.Request) -> web.Response:
    async with request.app[DB].acquire() as conn:
        coop_id = await queries.get_coop_account_id(conn)
    return await receive(request, inbox_account_id=coop_id)


@routes.get(actor.PATH + "/followers")
async def get_group_followers(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    async with request.app[DB].acquire() as conn:
        coop_id = await queries.get_coop_account_id(conn)
        doc = await queries.get_coop_actor(conn, account_id=coop_id) if coop_id else None
    total = int(doc["followers_count"]) if doc else 0
    return _answer(request, serialize.to_ap_collection(actor.uri(config) + "/followers",
                                                       total=total))


@routes.get(actor.PATH + "/outbox")
@routes.get(actor.PATH + "/following")
async def get_group_collection(request: web.Request) -> web.Response:
    # Proposals are listed on the proposals page; the collections are given as counts.
    return _answer(request, serialize.to_ap_collection(request.app[CONFIG].url(request.path),
                                                       total=0, items=[]))


async def _published(request: web.Request) -> tuple[proposals_q.Proposal, list[dict]]:
    config = request.app[CONFIG]
    text = request.match_info["proposal_id"]
    async with request.app[DB].acquire() as conn:
        status = await statuses_q.get_status_by_uri(
            conn, uri=actor.proposal_uri(config, int(text)))
        proposal = await proposals_q.get_proposal(conn, proposal_id=int(text))
        members = await queries.list_remote_members(conn)
    if status is None or proposal is None:
        raise NotFoundError("That proposal was not published here.")
    return proposal, members


@routes.get(actor.PATH + r"/proposals/{proposal_id:\d{1,19}}")
async def get_question(request: web.Request) -> web.Response:
    proposal, members = await _published(request)
    async with request.app[DB].acquire() as conn:
        counts = await publish.poll_counts(conn, proposal)
    doc = publish.question_doc(proposal, config=request.app[CONFIG], members=members,
                               counts=counts, now=request.app[CLOCK].now())
    return _answer(request, serialize.with_context(doc, serialize.NOTE_CONTEXT))


@routes.get(actor.PATH + r"/proposals/{proposal_id:\d{1,19}}/outcome")
async def get_outcome(request: web.Request) -> web.Response:
    proposal, members = await _published(request)
    if proposal.closed_at is None:
        raise NotFoundError("That proposal has not closed yet.")
    doc = publish.outcome_doc(proposal, config=request.app[CONFIG], members=members,
                              log_seq=None)
    return _answer(request, serialize.with_context(doc, serialize.NOTE_CONTEXT))
