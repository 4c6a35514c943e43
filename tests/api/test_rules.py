"""Instance rules come from the charter's code of conduct once a charter is installed."""

from __future__ import annotations

from typing import Any

from server.db import Database
from server.governance.charter import founding
from tests.openapi import validate_list


async def test_rules_are_the_charters_code_of_conduct(api: Any, db: Database, clock: Any,
                                                      member: Any) -> None:
    await member("founder")
    before = await (await api.get("/api/v1/instance/rules")).json()
    assert all(not r["id"].count(".") for r in before)
    async with db.transaction() as conn:
        await founding.install_founding_charter(conn, instance_name="Test Coop", founders=[("founder", None)],
                                                now=clock.now())
    rules = await (await api.get("/api/v1/instance/rules")).json()
    validate_list(rules, "Rule")
    assert rules[0] == {"id": "6.1", "text": "Harassment", "hint": ""}
    assert [r["id"] for r in rules][:5] == ["6.1", "6.2", "6.3", "6.4", "6.5"]
    v2 = await (await api.get("/api/v2/instance")).json()
    assert v2["rules"] == rules
