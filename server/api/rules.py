"""The instance's rules as clients list them (sign-up screens, report forms).

One function, so that the charter's moderation clauses can take the place of the plain list
when governance lands, without touching the routes or the entities.
"""

from __future__ import annotations

from server.api import queries
from server.api.queries import Rule
from server.db import Conn


async def list_rules(conn: Conn) -> list[Rule]:
    return await queries.list_instance_rules(conn)
