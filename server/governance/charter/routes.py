"""Charter pages: the charter in force with clause anchors, any version, the history, a
diff between two versions, and the first-run setup page for admins."""

from __future__ import annotations

from aiohttp import web

from server.errors import CommonholdError, ForbiddenError, ValidationError
from server.governance import http_auth
from server.governance.charter import document, founding, service
from server.web.html import render
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()


async def _charter_page(request: web.Request, version: int | None) -> web.Response:
    async with request.app[DB].acquire() as conn:
        in_force = await service.find_charter_in_force(conn)
        if in_force is None:
            return await render(request, "governance/no_charter.html", status=404)
        shown = in_force if version is None else await service.get_version(conn, version=version)
    return await render(request, "governance/charter.html", charter=shown,
                        in_force=in_force.version, html=shown.parsed.html())


@routes.get("/charter")
async def get_charter_page(request: web.Request) -> web.Response:
    return await _charter_page(request, None)


@routes.get(r"/charter/versions/{version:\d+}")
async def get_charter_version_page(request: web.Request) -> web.Response:
    return await _charter_page(request, int(request.match_info["version"]))


@routes.get("/charter/history")
async def get_charter_history_page(request: web.Request) -> web.Response:
    async with request.app[DB].acquire() as conn:
        versions = await service.list_versions(conn)
    rows = []
    for before, after in zip([None, *versions], versions, strict=False):
        added, removed = document.changed_lines(before.text if before else "", after.text)
        rows.append({"v": after, "added": added, "removed": removed})
    return await render(request, "governance/charter_history.html", rows=list(reversed(rows)))


def _version_param(request: web.Request, name: str, default: int) -> int:
    raw = request.query.get(name, "")
    if raw and not raw.isdigit():
        raise ValidationError(f"{name} must be a version number.")
    return int(raw) if raw else default


@routes.get("/charter/diff")
async def get_charter_diff_page(request: web.Request) -> web.Response:
    async with request.app[DB].acquire() as conn:
        latest = (await service.get_charter_in_force(conn)).version
        new = await service.get_version(conn, version=_version_param(request, "to", latest))
        old = await service.get_version(
            conn, version=_version_param(request, "from", max(new.version - 1, 1)))
    table = document.diff_html(old.text, new.text, old_label=f"Version {old.version}",
                               new_label=f"Version {new.version}")
    return await render(request, "governance/charter_diff.html", old=old, new=new, table=table,
                        versions=list(range(1, latest + 1)))


async def _require_setup_admin(request: web.Request) -> None:
    user = await http_auth.require_caller(request)
    if not user.is_admin:
        raise ForbiddenError("Only the instance's admins can install the founding charter.")


@routes.get("/governance/setup")
async def get_setup_page(request: web.Request) -> web.Response:
    await _require_setup_admin(request)
    async with request.app[DB].acquire() as conn:
        installed = await service.find_charter_in_force(conn) is not None
    return await render(request, "governance/setup.html", installed=installed, error=None,
                        founders="", instance_name=request.app[CONFIG].instance_name)


@routes.post("/governance/setup")
async def post_setup(request: web.Request) -> web.StreamResponse:
    form = await http_auth.read_body(request)
    await http_auth.require_writer(request, form)
    await _require_setup_admin(request)
    names = str(form.get("founders", "")).replace(",", " ").split()
    name = str(form.get("instance_name", "")).strip() or request.app[CONFIG].instance_name
    try:
        async with request.app[DB].transaction() as conn:
            await founding.install_founding_charter(
                conn, instance_name=name, founders=[(n.lstrip("@"), None) for n in names],
                now=request.app[CLOCK].now())
    except CommonholdError as exc:
        return await render(request, "governance/setup.html", status=exc.status,
                            installed=False, error=exc.message, founders=" ".join(names),
                            instance_name=name)
    raise web.HTTPSeeOther("/charter")
