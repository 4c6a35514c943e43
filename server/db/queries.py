"""Named SQL queries kept in one `queries.sql` per area.

A file holds blocks that each start with `-- name: some_query`; the text up to the next
header is the query. Every named query is prepared against the migrated schema in the
test suite, so a renamed column fails there and not in production.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType

_HEADER = re.compile(r"^-- name: ([a-z0-9_]+)[ \t]*\n", re.MULTILINE)

# Every package with a queries.sql; the prepare test walks this list.
QUERY_PACKAGES: list[str] = []


def load_queries(package: str) -> Mapping[str, str]:
    text = resources.files(package).joinpath("queries.sql").read_text(encoding="utf-8")
    parts = _HEADER.split(text)[1:]
    names = parts[0::2]
    if len(names) != len(set(names)):
        raise ValueError(f"duplicate query name in {package}/queries.sql")
    if package not in QUERY_PACKAGES:
        QUERY_PACKAGES.append(package)
    return MappingProxyType({n: body.strip() for n, body in zip(names, parts[1::2], strict=True)})
