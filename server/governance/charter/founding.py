"""Installing the founding charter: once, from the template shipped with the server, with
the founding members named in it and admitted under it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from importlib import resources

from server.db import Conn
from server.errors import ConflictError, ValidationError
from server.governance.charter import service
from server.governance.members import service as members

TEMPLATE = "founding_charter.md"


def template_text() -> str:
    return resources.files("server.governance.charter").joinpath(TEMPLATE).read_text("utf-8")


def render_template(template: str, *, instance_name: str, founders: Sequence[str]) -> str:
    named = ", ".join(f"@{name}" for name in founders)
    return (template.replace("{{ instance_name }}", instance_name)
                    .replace("{{ founding_members }}", named))


async def install_founding_charter(conn: Conn, *, instance_name: str,
                                   founders: Sequence[tuple[str, str | None]], now: datetime,
                                   template: str | None = None) -> service.Charter:
    """Install version 1 and admit the founders ((username, member class or None) pairs).

    Refuses to run when any version exists: after the founding, only an adopted charter
    amendment changes the charter."""
    if await service.find_charter_in_force(conn) is not None:
        raise ConflictError("A charter is already installed; from now on only an adopted "
                            "charter amendment can change it.")
    if not founders:
        raise ValidationError("Name at least one founding member.", field="founders")
    accounts = [await members.get_local_account(conn, username=name) for name, _ in founders]
    if len({a.id for a in accounts}) != len(accounts):
        raise ValidationError("A founding member is named twice.", field="founders")
    text = render_template(template or template_text(), instance_name=instance_name,
                           founders=[a.username for a in accounts])
    charter = await service.record_version(
        conn, parsed=service.parse_charter(text), proposal_id=None, log_kind="charter.installed",
        log_body={"founders": [a.username for a in accounts]}, now=now)
    for account, (_, member_class) in zip(accounts, founders, strict=True):
        await members.admit(conn, account_id=account.id, member_class=member_class, now=now,
                            by="founding charter")
    return charter
