"""The charter in force, and the one way a new version comes into force.

The server reads governance settings only through `get_charter_in_force` and
`parameters_for`. A new version is written only by `adopt_amendment`, which needs a
charter_amendment proposal that has just passed (and the database refuses any other
insert, see migration 0053); the founding version is installed once by `founding.py`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from markupsafe import Markup

from server.config import Config
from server.db import Conn
from server.errors import ConflictError, NotFoundError, ValidationError
from server.governance.charter import document, queries
from server.governance.charter.parameters import CharterParameters, KindParameters, parse_parameters
from server.governance.log import service as log


class CharterMissingError(NotFoundError):
    code = "no_charter"

    def __init__(self) -> None:
        super().__init__("No charter has been installed yet; run `commonhold init-charter`.")


@dataclass(frozen=True)
class ParsedCharter:
    text: str
    clauses: tuple[document.Clause, ...]
    raw_parameters: dict[str, Any]
    parameters: CharterParameters

    @property
    def clause_ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.clauses)

    def html(self) -> Markup:
        return document.render_html(self.text)


@dataclass(frozen=True)
class Charter:
    version: int
    proposal_id: int | None
    adopted_at: datetime
    log_seq: int
    parsed: ParsedCharter

    @property
    def text(self) -> str:
        return self.parsed.text

    @property
    def parameters(self) -> CharterParameters:
        return self.parsed.parameters

    def parameters_for(self, kind: str) -> KindParameters:
        return self.parsed.parameters.parameters_for(kind)


def parse_charter(text: object) -> ParsedCharter:
    """Validate a whole charter text: clauses, the parameter block and their ties."""
    return _parse_cached(document.check_text(text))


@lru_cache(maxsize=32)
def _parse_cached(text: str) -> ParsedCharter:
    # Versions never change, so a parsed text can be reused for as long as we like.
    clauses = tuple(document.clauses(text))
    if not clauses:
        raise ValidationError("The charter has no numbered clauses (headings like '## §1 ...').")
    raw = document.parameter_block(text)
    params = parse_parameters(raw, {c.id for c in clauses})
    return ParsedCharter(text, clauses, raw, params)


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _charter(row: queries.CharterRow) -> Charter:
    return Charter(row.version, row.proposal_id, row.adopted_at, row.log_seq,
                   parse_charter(row.text))


async def get_charter_in_force(conn: Conn) -> Charter:
    row = await queries.get_charter_in_force(conn)
    if row is None:
        raise CharterMissingError()
    return _charter(row)


async def find_charter_in_force(conn: Conn) -> Charter | None:
    row = await queries.get_charter_in_force(conn)
    return _charter(row) if row else None


async def registrations_mode(conn: Conn, config: Config) -> str:
    """open, approval or closed: the charter in force says, once one is installed; before
    that (a new instance) the COMMONHOLD_REGISTRATIONS setting does."""
    current = await find_charter_in_force(conn)
    return current.parameters.membership.registrations if current else config.registrations


async def parameters_for(conn: Conn, kind: str) -> KindParameters:
    return (await get_charter_in_force(conn)).parameters_for(kind)


async def get_version(conn: Conn, *, version: int) -> Charter:
    row = await queries.get_charter_version(conn, version=version)
    if row is None:
        raise NotFoundError(f"The charter has no version {version}.")
    return _charter(row)


async def list_versions(conn: Conn) -> list[queries.CharterRow]:
    return await queries.list_charter_versions(conn)


async def record_version(conn: Conn, *, parsed: ParsedCharter, proposal_id: int | None,
                         log_kind: str, log_body: dict[str, Any], now: datetime) -> Charter:
    """Write the next version and its log entry. Only `founding.install_founding_charter`
    and `adopt_amendment` call this."""
    await queries.lock_charter_versions(conn)
    current = await queries.get_charter_in_force(conn)
    version = current.version + 1 if current else 1
    entry = await log.append_entry(conn, kind=log_kind, now=now, body={
        "version": version, "text_sha256": text_digest(parsed.text),
        "parameters": parsed.raw_parameters, **log_body})
    await queries.insert_charter_version(
        conn, version=version, text=parsed.text, parameters=parsed.raw_parameters,
        proposal_id=proposal_id, adopted_at=now, log_seq=entry["seq"])
    return Charter(version, proposal_id, now, entry["seq"], parsed)


async def adopt_amendment(conn: Conn, *, proposal_id: int, now: datetime) -> Charter:
    """Bring a passed charter_amendment into force as the next version.

    Refuses anything but a charter_amendment proposal in the `passed` state, and an
    amendment written against a version that is no longer in force (another amendment
    passed in between: adopting this one would silently undo it)."""
    motion = await queries.get_passed_amendment(conn, proposal_id=proposal_id)
    if motion is None:
        raise ConflictError("Only a charter amendment proposal that has passed can change "
                            "the charter.")
    # Lock before reading the version in force: two amendments closing at once must not
    # both see the same base and both be adopted one after the other.
    await queries.lock_charter_versions(conn)
    current = await get_charter_in_force(conn)
    if motion.get("base_version") != current.version:
        raise ConflictError(
            f"This amendment was written against version {motion.get('base_version')}, but "
            f"version {current.version} is now in force; propose it again on that version.")
    parsed = parse_charter(motion["text"])
    return await record_version(conn, parsed=parsed, proposal_id=proposal_id,
                                log_kind="charter.amended",
                                log_body={"proposal_id": str(proposal_id),
                                          "replaces_version": current.version}, now=now)
