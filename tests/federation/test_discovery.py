"""WebFinger, host-meta and NodeInfo: shapes, headers, and the refusals."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import jsonschema
import pytest

from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.ids import new_id
from server.statuses import queries as statuses_q
from tests.federation.factories import make_member

# The project's shared/ folder lies beside the repository (in CI and in the work tree).
SPECS = Path(__file__).resolve().parents[3] / "shared" / "specs" / "nodeinfo"
if not SPECS.exists():
    SPECS = Path("/work/shared/specs/nodeinfo")


@pytest.fixture
async def ada(db: Database, config: Config, clock: FrozenClock) -> Any:
    return await make_member(db, config, clock, "ada")


@pytest.mark.parametrize("resource", [
    "acct:ada@ch.test", "ada@ch.test", "acct:ADA@CH.TEST", "http://ch.test/users/ada",
    "http://ch.test/@ada",
])
async def test_webfinger_finds_a_member_by_acct_and_by_url(client: Any, ada: Any,
                                                           resource: str) -> None:
    resp = await client.get("/.well-known/webfinger", params={"resource": resource})
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("application/jrd+json")
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    doc = await resp.json(content_type=None)
    assert doc["subject"] == "acct:ada@ch.test"
    assert doc["aliases"] == ["http://ch.test/@ada", "http://ch.test/users/ada"]
    links = {link["rel"]: link for link in doc["links"]}
    assert links["self"] == {"rel": "self", "type": "application/activity+json",
                             "href": "http://ch.test/users/ada"}
    assert links["http://webfinger.net/rel/profile-page"]["href"] == "http://ch.test/@ada"
    assert links["http://ostatus.org/schema/1.0/subscribe"]["template"] == \
        "http://ch.test/authorize_interaction?uri={uri}"


@pytest.mark.parametrize("resource", ["acct:ch.test@ch.test", "acct:instance.actor@ch.test",
                                      "http://ch.test/actor"])
async def test_webfinger_finds_the_instance_actor(client: Any, resource: str) -> None:
    resp = await client.get("/.well-known/webfinger", params={"resource": resource})
    assert resp.status == 200
    doc = await resp.json(content_type=None)
    assert doc["subject"] == "acct:ch.test@ch.test"
    assert {"rel": "self", "type": "application/activity+json",
            "href": "http://ch.test/actor"} in doc["links"]


@pytest.mark.parametrize(("query", "status"), [
    ({}, 400),
    ({"resource": ""}, 400),
    ({"resource": "acct:nobody"}, 400),
    ({"resource": "acct:@ch.test"}, 400),
    ({"resource": "acct:ghost@ch.test"}, 404),
    ({"resource": "acct:ada@elsewhere.test"}, 404),
    ({"resource": "https://elsewhere.test/users/ada"}, 404),
    ({"resource": "http://ch.test/about"}, 404),
])
async def test_webfinger_refuses_missing_malformed_and_foreign_resources(
        client: Any, ada: Any, query: dict[str, str], status: int) -> None:
    resp = await client.get("/.well-known/webfinger", params=query)
    assert resp.status == status
    assert "error" in await resp.json()


async def test_webfinger_does_not_reveal_unapproved_sign_ups(client: Any, db: Database,
                                                             config: Config,
                                                             clock: FrozenClock) -> None:
    await make_member(db, config, clock, "pending", approved=False)
    resp = await client.get("/.well-known/webfinger", params={"resource": "acct:pending@ch.test"})
    assert resp.status == 404


async def test_host_meta_points_at_webfinger_in_xml_and_json(client: Any) -> None:
    resp = await client.get("/.well-known/host-meta")
    assert resp.status == 200 and resp.content_type == "application/xrd+xml"
    root = ElementTree.fromstring(await resp.text())
    link = root.find("{http://docs.oasis-open.org/ns/xri/xrd-1.0}Link")
    assert link is not None and link.get("rel") == "lrdd"
    assert link.get("template") == "http://ch.test/.well-known/webfinger?resource={uri}"
    resp = await client.get("/.well-known/host-meta.json")
    assert (await resp.json())["links"] == [
        {"rel": "lrdd", "template": "http://ch.test/.well-known/webfinger?resource={uri}"}]


async def test_nodeinfo_discovery_lists_both_versions(client: Any) -> None:
    resp = await client.get("/.well-known/nodeinfo")
    assert (await resp.json())["links"] == [
        {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0",
         "href": "http://ch.test/nodeinfo/2.0"},
        {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
         "href": "http://ch.test/nodeinfo/2.1"}]


@pytest.mark.parametrize("version", ["2.0", "2.1"])
async def test_nodeinfo_documents_are_schema_valid_and_count_from_the_database(
        client: Any, db: Database, config: Config, clock: FrozenClock, version: str) -> None:
    ada = await make_member(db, config, clock, "ada")
    await make_member(db, config, clock, "bea")
    async with db.transaction() as conn:
        await conn.execute("UPDATE users SET last_sign_in_at = $1 WHERE id = $2",
                           clock.now() - timedelta(days=2), ada.id)
        for _ in range(3):
            status_id = new_id()
            await statuses_q.insert_status(conn, statuses_q.NewStatus(
                id=status_id, account_id=ada.account_id, uri=f"http://ch.test/s/{status_id}",
                url=None, local=True, content="<p>hi</p>", visibility="public",
                created_at=clock.now()), now=clock.now())
    resp = await client.get(f"/nodeinfo/{version}")
    assert resp.status == 200
    assert resp.headers["Content-Type"] == (
        f'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/{version}#"')
    doc = await resp.json(content_type=None)
    schema = json.loads((SPECS / version / "schema.json").read_text())
    jsonschema.validate(doc, schema)
    assert doc["software"]["name"] == "commonhold"
    assert doc["protocols"] == ["activitypub"]
    assert doc["usage"] == {"users": {"total": 2, "activeMonth": 1, "activeHalfyear": 1},
                            "localPosts": 3}
    assert doc["openRegistrations"] is True
    assert doc["metadata"]["charterUrl"] == "http://ch.test/charter"
    assert doc["metadata"]["moderationPolicyUrl"] == "http://ch.test/about/moderation"
    assert doc["metadata"]["nodeName"] == config.instance_name


async def test_nodeinfo_reports_closed_registrations(aiohttp_client: Any,
                                                     app_factory: Any) -> None:
    client = await aiohttp_client(app_factory(registrations="closed"))
    doc = await (await client.get("/nodeinfo/2.1")).json(content_type=None)
    assert doc["openRegistrations"] is False


async def test_unknown_nodeinfo_version_is_not_found(client: Any) -> None:
    assert (await client.get("/nodeinfo/3.0")).status == 404
