"""The governance commands of `commonhold`: init-charter, admit, verify-log, verify-draw."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from server.config import Config
from server.errors import CommonholdError

COMMANDS = ("init-charter", "admit", "verify-log", "verify-draw")


def add_commands(sub: Any) -> None:
    ic = sub.add_parser("init-charter", help="install the founding charter (once)")
    ic.add_argument("--founder", action="append", default=[], metavar="NAME[:CLASS]",
                    help="a founding member (an existing local account); repeat for each")
    ic.add_argument("--instance-name", help="the name written into the charter")
    ad = sub.add_parser("admit", help="admit an account as a member: NAME (local) or "
                                      "NAME@DOMAIN (an account this server knows)")
    ad.add_argument("username")
    ad.add_argument("--class", dest="member_class", help="member class (default: the charter's)")
    sub.add_parser("verify-log", help="recompute the decision log's hash chain")
    vd = sub.add_parser("verify-draw", help="re-run a jury draw from its published inputs")
    vd.add_argument("draw_id", type=int)
    vd.add_argument("--json", type=Path, metavar="FILE",
                    help="check a downloaded draw record instead of this server's database")


def run(args: argparse.Namespace, config: Config, now: datetime) -> None:
    if args.command == "verify-draw" and args.json is not None:
        _verify_draw_file(args.json, args.draw_id)
        return
    asyncio.run(_run(args, config, now))


async def _run(args: argparse.Namespace, config: Config, now: datetime) -> None:
    from server.runtime import open_database

    async with open_database(config) as db, db.transaction() as conn:
        if args.command == "init-charter":
            await _init_charter(conn, args, config, now)
        elif args.command == "admit":
            await _admit(conn, args, now)
        elif args.command == "verify-draw":
            await _verify_draw(conn, args.draw_id)
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

    account = await service.get_account_by_acct(conn, acct=args.username)
    member = await service.admit(conn, account_id=account.id, member_class=args.member_class,
                                 now=now, by="cli")
    name = args.username.lstrip("@")
    print(f"admitted @{name} as a {member.member_class} member; one share issued")


async def _verify_log(conn: Any) -> None:
    from server.governance.log.service import verify_log

    report = await verify_log(conn)
    if report.ok:
        print(f"ok: {report.checked} entries; head seq {report.head_seq} hash {report.head_hash}")
        return
    raise CommonholdError(
        f"decision log broken at seq {report.broken_seq} ({report.problem}: {report.detail}); "
        f"the {report.checked} entries before it verify")


def _report_draw(draw_id: int, drawn: bool, jurors: tuple[str, ...],
                 problems: tuple[str, ...]) -> None:
    if problems:
        for problem in problems:
            print(f"mismatch: {problem}")
        raise CommonholdError(f"draw {draw_id} does not verify ({len(problems)} problems)")
    if not drawn:
        print(f"ok: draw {draw_id} is committed and its pool matches the hash; not drawn yet")
        return
    print(f"ok: draw {draw_id} re-run gives jurors {', '.join(jurors)}")


async def _verify_draw(conn: Any, draw_id: int) -> None:
    from server.governance.juries.published import check_stored_draw

    report = await check_stored_draw(conn, draw_id=draw_id)
    _report_draw(draw_id, report.drawn, report.expected_jurors, report.problems)


def _verify_draw_file(path: Path, draw_id: int) -> None:
    from server.governance.juries.verify import check_document

    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CommonholdError(f"--json: cannot read {path} ({exc})") from None
    if not isinstance(doc, dict) or doc.get("id") != str(draw_id):
        raise CommonholdError(f"{path} is not the record of draw {draw_id}")
    found = check_document(doc)
    _report_draw(draw_id, found.drawn, found.expected_jurors, found.problems)
