"""The real Mastodon.py client signing up through POST /api/v1/accounts on a loopback port,
reading the field errors it parses, and using the featured-hashtag and endorsement calls with
the token it got."""

from __future__ import annotations

import asyncio
from typing import Any

from mastodon import Mastodon

from tests.api.test_mastodon_py import live  # noqa: F401  (the fixture)

SCOPES = ["read", "write", "follow"]


def _sign_up(base: str) -> dict[str, Any]:
    client_id, client_secret = Mastodon.create_app("Sign-up test", scopes=SCOPES,
                                                   api_base_url=base)
    app = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base,
                   version_check_mode="none")
    token = app.create_account("newt", "a long passphrase", "newt@example.org",
                               agreement=True, reason="Hello", scopes=SCOPES)
    _, refused = app.create_account("ada", "a long passphrase", "other@example.org",
                                    agreement=True, scopes=SCOPES, return_detailed_error=True)
    api = Mastodon(access_token=token, api_base_url=base, version_check_mode="none")
    me = api.account_verify_credentials()
    featured = api.tag_feature("choir")
    suggestions = api.featured_tag_suggestions()
    ada = api.account_lookup("ada")
    api.account_follow(ada["id"])
    endorsed = api.account_endorse(ada["id"])
    endorsements = api.endorsements()
    return {"me": me, "refused": refused, "featured": featured, "suggestions": suggestions,
            "endorsed": endorsed, "endorsements": endorsements}


async def test_mastodon_py_signs_up_and_features(live: str) -> None:  # noqa: F811
    result = await asyncio.to_thread(_sign_up, live)
    assert result["me"]["username"] == "newt"
    assert result["refused"] is not None
    assert result["refused"]["details"]["username"][0]["error"] == "ERR_TAKEN"
    assert result["featured"]["name"] == "choir" and result["featured"]["featuring"] is True
    assert result["suggestions"] == []
    assert result["endorsed"]["endorsed"] is True
    assert [a["acct"] for a in result["endorsements"]] == ["ada"]
