"""Quote posts (FEP-044f, as Mastodon 4.5 and GoToSocial federate them): QuoteRequests for our
members' posts answered with an Accept and a stamp we serve (or a Reject), remote posts that
quote others recorded with the quoted post fetched and the quoted author's stamp checked,
stamps withdrawn, and our Notes saying who may quote them."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import Any

from aiohttp import web

from server.federation.uris import PUBLIC
from server.statuses import quote_policy
from tests.fakes.fediverse import FakeActor, FakeServer, payload
from tests.federation.conftest import Local
from tests.federation.factories import follow, make_status
from tests.federation.helpers import deliver_and_process
from tests.federation.inbox.support import fetch, status

QUOTING = "http://mastodon.test/users/alice/statuses/114400000000000001"
AP_HEADERS = {"Accept": "application/activity+json"}


async def ada_post(local: Local, ada: Any, **fields: Any) -> Any:
    return await make_status(local.db, local.clock, account_id=ada.account_id, username="ada",
                             config=local.config, **fields)


def quote_request(quoted: Any, *, inline: bool = True) -> dict[str, Any]:
    text = json.dumps(payload("mastodon/quote_request.json"))
    text = text.replace("QUOTED_URI", quoted.uri).replace("QUOTED_ID", str(quoted.id))
    doc = json.loads(text)
    if not inline:
        doc["instrument"] = doc["instrument"]["id"]
    return doc


async def quotes(local: Local) -> list[dict[str, Any]]:
    return await fetch(local, "SELECT q.state, q.quoted_status_id, q.approval_uri,"
                              " q.activity_uri, s.uri FROM status_quotes q"
                              " JOIN statuses s ON s.id = q.status_id ORDER BY q.status_id")


async def get_json(server: FakeServer, url: str) -> tuple[int, Any]:
    async with server.fediverse.session.get(url, headers=AP_HEADERS) as resp:
        return resp.status, (await resp.json(content_type=None) if resp.status == 200 else None)


# --- QuoteRequests for our members' posts --------------------------------------------------

async def test_a_quote_request_for_a_public_post_is_accepted_with_a_stamp(
        local: Local, ada: Any, alice: FakeActor, mastodon: FakeServer) -> None:
    post = await ada_post(local, ada)
    request = quote_request(post)
    item = await deliver_and_process(local, alice, request)
    assert (item.state, item.error) == ("processed", None)
    quoting = await status(local, QUOTING)
    assert quoting is not None and "exactly what our street needs" in quoting.content
    # The fallback link is kept marked, so pages that show the quote can hide it.
    assert quoting.content.startswith('<p class="quote-inline">RE: <a href=')
    assert await quotes(local) == [{"state": "accepted", "quoted_status_id": post.id,
                                    "approval_uri": None, "activity_uri": request["id"],
                                    "uri": QUOTING}]
    # The Accept goes to alice's own inbox, naming the request, with our stamp as result.
    stamp_uri = f"http://ch.test/users/ada/quote_authorizations/{quoting.id}"
    [accept] = mastodon.received_at("/users/alice/inbox")
    assert accept["type"] == "Accept" and accept["actor"] == "http://ch.test/users/ada"
    assert accept["result"] == stamp_uri
    assert accept["object"] == {"id": request["id"], "type": "QuoteRequest",
                                "actor": alice.uri, "instrument": QUOTING,
                                "object": post.uri}
    # The stamp is served, as the quoting server (and anyone it shows the quote to) checks.
    code, stamp = await get_json(mastodon, stamp_uri)
    assert code == 200
    assert stamp["type"] == "QuoteAuthorization" and stamp["id"] == stamp_uri
    assert stamp["attributedTo"] == "http://ch.test/users/ada"
    assert stamp["interactingObject"] == QUOTING and stamp["interactionTarget"] == post.uri
    assert "interactingObject" in json.dumps(stamp["@context"])
    # Only that member serves it, and only for a quote that was accepted.
    assert (await get_json(mastodon, stamp_uri.replace("/ada/", "/bob/")))[0] == 404
    assert (await get_json(mastodon, f"http://ch.test/users/ada/quote_authorizations/"
                                     f"{post.id}"))[0] == 404


async def test_a_quote_request_naming_its_post_by_id_fetches_it(
        local: Local, ada: Any, alice: FakeActor, mastodon: FakeServer) -> None:
    post = await ada_post(local, ada, visibility="unlisted")
    request = quote_request(post)
    mastodon.add_object(request["instrument"])
    item = await deliver_and_process(local, alice, quote_request(post, inline=False))
    assert (item.state, item.error) == ("processed", None)
    assert mastodon.fetches_of("/users/alice/statuses/114400000000000001") == 1
    assert [q["state"] for q in await quotes(local)] == ["accepted"]
    assert [a["type"] for a in mastodon.received_at("/users/alice/inbox")] == ["Accept"]


async def test_a_quote_request_for_a_followers_only_post_is_rejected(
        local: Local, ada: Any, alice: FakeActor, mastodon: FakeServer) -> None:
    post = await ada_post(local, ada, visibility="private")
    request = quote_request(post)
    item = await deliver_and_process(local, alice, request)
    assert item.state == "processed"
    [reject] = mastodon.received_at("/users/alice/inbox")
    assert reject["type"] == "Reject" and reject["actor"] == "http://ch.test/users/ada"
    assert reject["object"]["id"] == request["id"]
    assert reject["object"]["type"] == "QuoteRequest"
    assert await quotes(local) == []
    assert await status(local, QUOTING) is None


async def test_a_quote_request_whose_post_quotes_something_else_is_ignored(
        local: Local, ada: Any, alice: FakeActor, mastodon: FakeServer) -> None:
    post = await ada_post(local, ada)
    other = await ada_post(local, ada)
    request = quote_request(post)
    for key in ("quote", "_misskey_quote", "quoteUri"):
        request["instrument"][key] = other.uri
    item = await deliver_and_process(local, alice, request)
    assert item.state == "ignored"
    assert mastodon.received_at("/users/alice/inbox") == []
    assert [q["state"] for q in await quotes(local)] == ["pending"]


async def test_the_quoting_post_arriving_first_is_accepted_by_the_request_and_its_stamp_kept(
        local: Local, ada: Any, alice: FakeActor, mastodon: FakeServer) -> None:
    post = await ada_post(local, ada)
    request = quote_request(post)
    note = copy.deepcopy(request["instrument"])
    create = {"@context": request["@context"], "id": f"{QUOTING}/activity", "type": "Create",
              "actor": alice.uri, "to": note["to"], "cc": note["cc"], "object": note}
    await deliver_and_process(local, alice, create)
    assert [q["state"] for q in await quotes(local)] == ["pending"]
    await deliver_and_process(local, alice, request)
    assert [q["state"] for q in await quotes(local)] == ["accepted"]
    # Mastodon then sends the post again with our stamp named in it: still accepted.
    quoting = await status(local, QUOTING)
    assert quoting is not None
    note["quoteAuthorization"] = f"http://ch.test/users/ada/quote_authorizations/{quoting.id}"
    note["updated"] = "2025-11-04T10:16:00Z"
    update = {**create, "id": f"{QUOTING}#updates/1", "type": "Update", "object": note}
    item = await deliver_and_process(local, alice, update)
    assert item.error is None
    assert [q["state"] for q in await quotes(local)] == ["accepted"]


async def test_a_post_claiming_a_stamp_we_never_gave_stays_pending(
        local: Local, ada: Any, alice: FakeActor) -> None:
    post = await ada_post(local, ada)
    note = quote_request(post)["instrument"]
    note["quoteAuthorization"] = "http://ch.test/users/ada/quote_authorizations/1"
    create = {"id": f"{QUOTING}/activity", "type": "Create", "actor": alice.uri,
              "to": note["to"], "cc": note["cc"], "object": note}
    await deliver_and_process(local, alice, create)
    assert [q["state"] for q in await quotes(local)] == ["pending"]


# --- remote posts quoting posts elsewhere ---------------------------------------------------

QUOTED = "http://gts.test/users/bea/statuses/01JQUOTED"
STAMP = "http://gts.test/users/bea/authorizations/01JSTAMP"
MASTODON_QUOTING = "http://mastodon.test/users/alice/statuses/114400000000000002"


def bea_post(gts: FakeServer) -> dict[str, Any]:
    bea = gts.add_actor("bea", display_name="Bea")
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": QUOTED, "type": "Note",
            "attributedTo": bea.uri, "content": "<p>a bench at every bus stop</p>",
            "published": "2025-11-04T09:00:00Z", "to": [PUBLIC],
            "cc": [f"{bea.uri}/followers"], "url": "http://gts.test/@bea/statuses/01JQUOTED"}


async def test_a_quote_of_a_post_elsewhere_fetches_it_and_checks_the_stamp(
        local: Local, alice: FakeActor, gts: FakeServer) -> None:
    gts.add_object(bea_post(gts))
    gts.add_object(payload("mastodon/quote_authorization.json"))
    item = await deliver_and_process(local, alice, payload("mastodon/create_note_quote.json"))
    assert (item.state, item.error) == ("processed", None)
    quoted = await status(local, QUOTED)
    assert quoted is not None and "bus stop" in quoted.content
    assert await quotes(local) == [{"state": "accepted", "quoted_status_id": quoted.id,
                                    "approval_uri": STAMP, "activity_uri": None,
                                    "uri": MASTODON_QUOTING}]
    # Bea's server withdraws the stamp: the quote is revoked.
    bea = gts.actors["bea"]
    withdraw = {"@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{STAMP}#delete", "type": "Delete", "actor": bea.uri, "object": STAMP}
    item = await deliver_and_process(local, bea, withdraw)
    assert item.state == "processed"
    assert [q["state"] for q in await quotes(local)] == ["revoked"]


async def test_a_stamp_that_does_not_match_leaves_the_quote_pending(
        local: Local, alice: FakeActor, gts: FakeServer) -> None:
    gts.add_object(bea_post(gts))
    stamp = payload("mastodon/quote_authorization.json")
    stamp["interactingObject"] = "http://mastodon.test/users/alice/statuses/999"
    gts.add_object(stamp)
    await deliver_and_process(local, alice, payload("mastodon/create_note_quote.json"))
    assert [q["state"] for q in await quotes(local)] == ["pending"]


async def test_a_stamp_that_is_gone_means_refused(
        local: Local, alice: FakeActor, gts: FakeServer) -> None:
    gts.add_object(bea_post(gts))
    await deliver_and_process(local, alice, payload("mastodon/create_note_quote.json"))
    assert [q["state"] for q in await quotes(local)] == ["rejected"]


async def test_a_stamp_server_that_is_down_is_asked_again(
        local: Local, alice: FakeActor, gts: FakeServer) -> None:
    gts.add_object(bea_post(gts))
    answers = [503]

    async def flaky(_: web.Request) -> web.Response:
        if answers:
            return web.Response(status=answers.pop())
        return web.json_response(payload("mastodon/quote_authorization.json"),
                                 content_type="application/activity+json")
    gts.custom["/users/bea/authorizations/01JSTAMP"] = flaky
    await deliver_and_process(local, alice, payload("mastodon/create_note_quote.json"))
    assert [q["state"] for q in await quotes(local)] == ["pending"]
    local.clock.advance(timedelta(hours=1))
    await local.worker.run_until_idle()
    assert [q["state"] for q in await quotes(local)] == ["accepted"]


async def test_older_quote_properties_are_understood(
        local: Local, alice: FakeActor, gts: FakeServer) -> None:
    gts.add_object(bea_post(gts))
    create = payload("mastodon/create_note_quote.json")
    for key in ("quote", "_misskey_quote", "quoteUri", "quoteAuthorization"):
        del create["object"][key]
    create["object"]["quoteUrl"] = QUOTED        # Akkoma / Pleroma
    await deliver_and_process(local, alice, create)
    quoted = await status(local, QUOTED)
    assert quoted is not None
    assert [(q["state"], q["quoted_status_id"]) for q in await quotes(local)] == \
        [("pending", quoted.id)]


async def test_a_self_quote_needs_no_stamp(local: Local, alice: FakeActor,
                                           mastodon: FakeServer) -> None:
    own = payload("mastodon/create_note.json")
    own["object"].update(tag=[], attachment=[])
    await deliver_and_process(local, alice, own)
    create = payload("mastodon/create_note_quote.json")
    for key in ("quote", "_misskey_quote", "quoteUri"):
        create["object"][key] = own["object"]["id"]
    del create["object"]["quoteAuthorization"]
    await deliver_and_process(local, alice, create)
    assert [q["state"] for q in await quotes(local)] == ["accepted"]


async def test_a_quote_request_under_a_followers_policy_is_granted_to_followers(
        local: Local, ada: Any, alice: FakeActor, mastodon: FakeServer) -> None:
    post = await ada_post(local, ada, quote_policy=quote_policy.CHOICES["followers"])
    request = quote_request(post)
    await deliver_and_process(local, alice, request)
    assert [a["type"] for a in mastodon.received_at("/users/alice/inbox")] == ["Reject"]
    assert await quotes(local) == []
    [row] = await fetch(local, "SELECT id FROM accounts WHERE uri = $1", alice.uri)
    await follow(local.db, local.clock, row["id"], ada.account_id)
    again = {**request, "id": request["id"] + "-again"}
    item = await deliver_and_process(local, alice, again)
    assert (item.state, item.error) == ("processed", None)
    assert [a["type"] for a in mastodon.received_at("/users/alice/inbox")] == ["Reject", "Accept"]
    assert [q["state"] for q in await quotes(local)] == ["accepted"]


async def test_a_remote_posts_quote_policy_is_kept_as_its_server_says(
        local: Local, alice: FakeActor, mastodon: FakeServer) -> None:
    create = payload("mastodon/create_note.json")
    note = create["object"]
    note.update(tag=[], attachment=[])
    note["interactionPolicy"] = {"canQuote": {
        "automaticApproval": [f"{alice.uri}/followers", alice.uri],
        "manualApproval": "as:Public"}}
    await deliver_and_process(local, alice, create)
    stored = await status(local, note["id"])
    assert stored is not None
    assert stored.quote_policy == quote_policy.FOLLOWERS << 16 | quote_policy.PUBLIC
    # Mastodon changes it by an Update of the same text: applied, and no edit recorded
    update = {"@context": create["@context"], "id": f"{note['id']}#updates/1", "type": "Update",
              "actor": alice.uri, "object": {**note, "interactionPolicy": {"canQuote": {
                  "automaticApproval": [f"{alice.uri}/following", "http://elsewhere.test/u/x"]}}}}
    item = await deliver_and_process(local, alice, update)
    assert (item.state, item.error) == ("processed", None)
    stored = await status(local, note["id"])
    assert stored is not None and stored.edited_at is None
    assert stored.quote_policy == (quote_policy.FOLLOWING | quote_policy.UNSUPPORTED) << 16
    assert await fetch(local, "SELECT id FROM status_edits") == []
    # a server that says nothing takes no quote requests
    bare = payload("mastodon/create_note.json")
    bare["id"] = bare["id"].replace("899", "900")
    bare["object"].update(id=note["id"].replace("899", "900"), tag=[], attachment=[])
    await deliver_and_process(local, alice, bare)
    plain = await status(local, bare["object"]["id"])
    assert plain is not None and plain.quote_policy == 0


# --- our Notes say who may quote them ------------------------------------------------------

async def test_our_notes_carry_their_quote_policy(local: Local, ada: Any,
                                                  mastodon: FakeServer) -> None:
    public = await ada_post(local, ada)
    unlisted = await ada_post(local, ada, visibility="unlisted")
    for post in (public, unlisted):
        code, note = await get_json(mastodon, post.uri)
        assert code == 200
        assert note["interactionPolicy"] == {"canQuote": {"automaticApproval": [PUBLIC]}}
        assert "canQuote" in json.dumps(note["@context"])
    followers = await ada_post(local, ada, quote_policy=quote_policy.CHOICES["followers"])
    nobody = await ada_post(local, ada, quote_policy=quote_policy.CHOICES["nobody"])
    for post, approved in ((followers, "http://ch.test/users/ada/followers"),
                           (nobody, "http://ch.test/users/ada")):
        note = (await get_json(mastodon, post.uri))[1]
        assert note["interactionPolicy"] == {"canQuote": {"automaticApproval": [approved]}}


async def test_taking_back_an_accepted_quote_deletes_our_stamp_where_it_was_given(
        local: Local, ada: Any, alice: FakeActor, mastodon: FakeServer) -> None:
    """The quoted member takes the quote back (the client API's revoke): the quote is
    revoked here, our stamp is no longer served, and its Delete reaches the quoting author."""
    from server.accounts import queries as accounts_q
    from server.quotes import local as quotes_local

    post = await ada_post(local, ada)
    await deliver_and_process(local, alice, quote_request(post))
    quoting = await status(local, QUOTING)
    assert quoting is not None
    # granting it told Ada, as from the quoting author
    assert await fetch(local, "SELECT type, status_id FROM notifications WHERE account_id = $1",
                       ada.account_id) == [{"type": "quote", "status_id": quoting.id}]
    stamp_uri = f"http://ch.test/users/ada/quote_authorizations/{quoting.id}"
    async with local.db.transaction() as conn:
        author = await accounts_q.get_account(conn, account_id=ada.account_id)
        assert author is not None
        await quotes_local.withdraw(conn, author=author, quoted_status_id=post.id,
                                    quoting_status_id=quoting.id, now=local.clock.now())
    await local.worker.run_until_idle()
    assert [q["state"] for q in await quotes(local)] == ["revoked"]
    deletes = [a for a in mastodon.received_at("/users/alice/inbox") if a["type"] == "Delete"]
    assert [d["object"] for d in deletes] == [{"id": stamp_uri, "type": "QuoteAuthorization"}]
    assert deletes[0]["actor"] == "http://ch.test/users/ada"
    code, _ = await get_json(mastodon, stamp_uri)
    assert code in (404, 410)
