"""Server-rendered pages (jinja2). Every page works without JavaScript."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from server.web import csrf, sessions
from server.web.state import CONFIG, TEMPLATES

if TYPE_CHECKING:
    import jinja2

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"


class Templates:
    """The pages' jinja2 environment, made when the first page is rendered: importing
    jinja2 takes about 20 ms, and a process may serve only the API and federation for a
    long while. (jinja2 itself compiles each template when it is first asked for.)"""

    def __init__(self) -> None:
        self._env: jinja2.Environment | None = None

    def get_template(self, name: str) -> jinja2.Template:
        if self._env is None:
            import jinja2

            self._env = jinja2.Environment(
                loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
                autoescape=jinja2.select_autoescape(["html"]),
                undefined=jinja2.StrictUndefined,
                enable_async=False,
            )
        return self._env.get_template(name)


def make_environment() -> Templates:
    return Templates()


async def render(request: web.Request, template: str, *, status: int = 200,
                 **context: Any) -> web.Response:
    config = request.app[CONFIG]
    response = web.Response(status=status, content_type="text/html", charset="utf-8")
    token = csrf.token_for(request, response)
    base = {
        "instance": {"name": config.instance_name, "description": config.instance_description,
                     "domain": config.domain, "registrations": config.registrations},
        "current_user": await sessions.current_user(request),
        "csrf_token": token,
        "flash": request.query.get("notice", ""),
    }
    if "registrations" in context:
        # The charter in force may decide registrations (see charter.registrations_mode).
        base["instance"]["registrations"] = context.pop("registrations")
    base.update(context)
    response.text = request.app[TEMPLATES].get_template(template).render(**base)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; form-action 'self'; frame-ancestors 'none'"
    return response


def render_error_page(request: web.Request, status: int, message: str) -> web.Response:
    """The error page needs no session or database, so it works when they don't."""
    env = request.app.get(TEMPLATES) or make_environment()
    config = request.app.get(CONFIG)
    text = env.get_template("errors/error.html").render(
        status=status, message=message, csrf_token="", current_user=None, flash="",
        instance={"name": config.instance_name if config else "Commonhold",
                  "description": "", "domain": "", "registrations": "closed"})
    return web.Response(status=status, text=text, content_type="text/html", charset="utf-8")
