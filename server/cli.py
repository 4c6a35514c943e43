"""The `commonhold` command. Every failure is one line on stderr and a non-zero exit."""

from __future__ import annotations

import argparse
import asyncio
import gc
import getpass
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from server import startup_times
from server.config import Config, load_config, problems
from server.errors import CommonholdError
from server.governance import cli as governance_cli

EXIT_USAGE = 2
EXIT_FAILED = 1


def _common_options(*, top_level: bool) -> argparse.ArgumentParser:
    """Options every command takes, before or after the command's name
    (`commonhold --data-dir d migrate` and `commonhold migrate --data-dir d` are the same).
    After the command they default to SUPPRESS, so that they do not overwrite the value
    given before it."""
    p = argparse.ArgumentParser(add_help=False)
    default = None if top_level else argparse.SUPPRESS
    p.add_argument("--config", type=Path, default=default,
                   help="a commonhold.toml file (default: ./commonhold.toml)")
    p.add_argument("--data-dir", type=Path, default=default,
                   help="where the embedded database and secrets live (default: ./data)")
    p.add_argument("-v", "--verbose", action="store_true",
                   default=False if top_level else argparse.SUPPRESS, help="log more")
    return p


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="commonhold", description="A member-owned fediverse server.",
                                parents=[_common_options(top_level=True)])
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = _common_options(top_level=False)

    def command(name: str, text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=text, description=text, parents=[common])

    for name, text in (("serve", "run the web server and the job workers in one process"),
                       ("web", "run the web server only (scale-out)"),
                       ("worker", "run job workers only (scale-out)")):
        s = command(name, text)
        s.add_argument("--host", help="address to listen on (default 127.0.0.1)")
        s.add_argument("--port", type=int, help="port to listen on (default 8080)")
        s.add_argument("--domain", help="the public domain of this instance")

    command("migrate", "apply pending database migrations")
    command("check", "print the effective configuration and what is wrong with it")

    cu = command("create-user", "create a local account")
    cu.add_argument("username")
    cu.add_argument("--email", required=True)
    role = cu.add_mutually_exclusive_group()
    role.add_argument("--admin", action="store_true")
    role.add_argument("--moderator", action="store_true")
    cu.add_argument("--password-file", type=Path, help="read the password from this file")

    sp = command("set-password", "set a local account's password")
    sp.add_argument("username")
    sp.add_argument("--password-file", type=Path)

    ap = command("approve", "approve a pending sign-up")
    ap.add_argument("username")
    governance_cli.add_commands(sub)
    return p


def _config(args: argparse.Namespace) -> Config:
    overrides: dict[str, Any] = {}
    if args.data_dir is not None:
        overrides["data_dir"] = args.data_dir
    for name in ("host", "port", "domain"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    return load_config(overrides=overrides, toml_path=args.config)


def _read_password(path: Path | None) -> str:
    if path is not None:
        try:
            return path.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise CommonholdError(f"--password-file: cannot read {path} ({exc.strerror})") from None
    if not sys.stdin.isatty():
        raise CommonholdError("no password given: use --password-file or run in a terminal")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat password: "):
        raise CommonholdError("the passwords do not match")
    return first


def run_loop(main: Awaitable[None], *, tune_memory: bool = True) -> None:
    """Long-running processes use uvloop where it is installed: it roughly halves aiohttp's
    per-request overhead and asyncpg's per-query overhead. With `tune_memory` (see
    server.memtune) malloc's arenas are capped here, before any thread starts, and the
    arenas' free memory is handed back while `main` runs, whenever the process has grown by
    a few MiB since the last time (and at least every five minutes)."""
    if tune_memory:
        from server import memtune

        memtune.bound_arenas()
        main = _trimming(main)
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)  # type: ignore[arg-type]
    else:
        uvloop.run(main)  # type: ignore[arg-type]


async def _trimming(main: Awaitable[None]) -> None:
    from server import memtune

    trimmer = asyncio.ensure_future(memtune.trim_periodically())
    try:
        await main
    finally:
        trimmer.cancel()


async def _with_db(config: Config, action: Callable[[Any], Awaitable[None]]) -> None:
    from server.runtime import open_database

    async with open_database(config) as db:
        async with db.transaction() as conn:
            await action(conn)


def _run(args: argparse.Namespace) -> None:
    from server.clock import SystemClock

    config = _config(args)
    startup_times.mark("configuration read")
    now = SystemClock().now()
    cmd = args.command
    if cmd in ("serve", "web", "worker"):
        if cmd == "worker" and config.job_workers == 0:
            raise CommonholdError("COMMONHOLD_JOB_WORKERS is 0, so 'commonhold worker' would "
                                  "run no jobs; set it to 1 or more")
        # Start-up makes some 65,000 objects that all stay (modules, classes, routes) and the
        # collector would walk the growing heap about 150 times meanwhile (a tenth of the
        # import time). runtime.settle_heap collects once and turns it back on when the
        # app is up.
        gc.disable()
        embedded = _start_embedded_early(config)
        from server.runtime import serve

        run_loop(serve(config, web_server=cmd != "worker", workers=cmd != "web",
                       embedded=embedded))
    elif cmd == "check":
        for key, value in config.masked().items():
            print(f"{key} = {value}")
        if config.is_development:
            print("note: COMMONHOLD_DOMAIN is not set; this is a local development instance")
        if not config.database_url:
            print(f"note: DATABASE_URL is not set; the embedded database lives in {config.data_dir / 'postgres'}")
        found = problems(config)
        for line in found:
            print(f"problem: {line}")
        if not found:
            print("ok")
    elif cmd == "migrate":
        asyncio.run(_with_db(config, _noop))
        print("migrations: up to date")
    elif cmd == "create-user":
        from server.accounts import service

        password = _read_password(args.password_file)
        role = "admin" if args.admin else "moderator" if args.moderator else "user"

        async def create(conn: Any) -> None:
            user = await service.create_local_user(conn, config=config, username=args.username,
                                                   email=args.email, password=password, now=now,
                                                   role=role)
            print(f"created @{user.username} ({role})")

        asyncio.run(_with_db(config, create))
    elif cmd == "set-password":
        from server.accounts import service

        password = _read_password(args.password_file)

        async def set_pw(conn: Any) -> None:
            user = await service.get_user_by_username(conn, username=args.username)
            await service.set_password(conn, user=user, password=password, now=now)
            print(f"password set for @{user.username}")

        asyncio.run(_with_db(config, set_pw))
    elif cmd == "approve":
        from server.accounts import service

        async def approve(conn: Any) -> None:
            user = await service.get_user_by_username(conn, username=args.username)
            await service.approve(conn, user_id=user.id)
            print(f"approved @{user.username}")

        asyncio.run(_with_db(config, approve))
    elif cmd in governance_cli.COMMANDS:
        governance_cli.run(args, config, now)


def _start_embedded_early(config: Config) -> Any:
    """Without DATABASE_URL, the embedded PostgreSQL boots from here on in the background
    while the application is imported (about half a second): the two overlap instead of
    adding up. Returns the EmbeddedPostgres for runtime.serve to wait for, or None."""
    if config.database_url:
        return None
    from server.db.embedded import EmbeddedPostgres

    embedded = EmbeddedPostgres(config.data_dir)
    embedded.start_soon()
    return embedded


async def _noop(conn: Any) -> None:
    return None


def main(argv: list[str] | None = None) -> int:
    startup_times.mark("interpreter started, command line module imported")
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        _run(args)
    except CommonholdError as exc:
        print(f"commonhold: {exc.message}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_FAILED
    return 0


if __name__ == "__main__":
    sys.exit(main())
