"""The instance's rules as clients list them (sign-up screens, report forms).

Once a charter is installed, the rules are the clauses of its code of conduct (the sub-clauses
of the section titled "Code of conduct"): id is the clause number ("6.1"), text its title.
Before that, the plain list in `instance_rules` is served.
"""

from __future__ import annotations

from server.api import queries
from server.api.queries import Rule
from server.db import Conn
from server.governance.charter import service as charter

CONDUCT_TITLE = "code of conduct"


async def list_rules(conn: Conn) -> list[Rule]:
    in_force = await charter.find_charter_in_force(conn)
    if in_force is None:
        return await queries.list_instance_rules(conn)
    clauses = in_force.parsed.clauses
    sections = [c.number for c in clauses if c.title.strip().lower() == CONDUCT_TITLE]
    if not sections:
        return await queries.list_instance_rules(conn)
    prefix = sections[0] + "."
    return [Rule(id=c.number, text=c.title, hint="")
            for c in clauses if c.number.startswith(prefix)]
