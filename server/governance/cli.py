"""The governance commands of `commonhold`: init-charter, admit, verify-log."""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime
from typing import Any

from server.config import Config
from server.errors import CommonholdError

COMMANDS = ("init-charter", "admit", "verify-log")


def add_commands(sub: Any) -> None:
    ic = sub.add_parser("init-charter", help="install the founding charter (once)")
    ic.add_argument("--founder", action="append", default=[], metavar="NAME[:CLASS]",
                    help="a founding member (an existing local account); repeat for each")
    ic.add_argument("--instance-name", help="the name written into the charter")
    ad = sub.add_parser("admit", help="admit an existing local account as a member")
    ad.add_argument("username")
    ad.add_argument("--class", dest="member_class", help="member class (default: the charter's)")
    sub.add_parser("verify-log", help="recompute the decision log's hash chain")


def run(args: argparse.Namespace, config: Config, now: datetime) -> None:
    asyncio.run(_run(args, config, now))


async def _run(args: argparse.Namespace, config: Config, now: datetime) -> None:
    from server.runtime import open_database

    async with open_database(config) as db, db.transaction() as conn:
        if args.command == "init-charter":
            await _init_charter(conn, args, config, now)
        elif args.command == "admit":
            await _admit(conn, args, now)
        else:
            await _verify_log(conn)


def _founder(spec: str) -> tuple[str, str | None]:
    name, _, member_class = spec.partition(":")
    return name.lstrip("@"), member_class or None


async def _init_charter(conn: Any, args: argparse.Namespace, config: Config,
                        now: datetime) -> None:
    from server.governance.charter.founding import install_founding_charter

    charter = await install_founding_charter(
        conn, instance_name=args.instance_name or config.instance_name,
        founders=[_founder(spec) for spec in args.founder], now=now)
    names = ", ".join("@" + _founder(spec)[0] for spec in args.founder)
    print(f"installed charter version {charter.version}; founding members: {names}")


async def _admit(conn: Any, args: argparse.Namespace, now: datetime) -> None:
    from server.governance.members import service

    account = await service.get_local_account(conn, username=args.username)
    member = await service.admit(conn, account_id=account.id, member_class=args.member_class,
                                 now=now, by="cli")
    print(f"admitted @{member.username} as a {member.member_class} member; one share issued")


async def _verify_log(conn: Any) -> None:
    from server.governance.log.service import verify_log

    report = await verify_log(conn)
    if report.ok:
        print(f"ok: {report.checked} entries; head seq {report.head_seq} hash {report.head_hash}")
        return
    raise CommonholdError(
        f"decision log broken at seq {report.broken_seq} ({report.problem}: {report.detail}); "
        f"the {report.checked} entries before it verify")
