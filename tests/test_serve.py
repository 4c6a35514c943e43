"""`commonhold serve` as a newcomer runs it: a real process on the embedded PostgreSQL, talked
to over HTTP, stopped with a signal. (/health with the database down: test_health.py.)"""

from __future__ import annotations

import http.cookiejar
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.helpers import csrf_from

START_TIMEOUT = 60.0   # a first start runs initdb; later starts take a second or two
STOP_TIMEOUT = 30.0
PASSWORD = "correct horse battery"


def _command() -> list[str]:
    script = Path(sys.executable).with_name("commonhold")
    return [str(script)] if script.exists() else [sys.executable, "-m", "server"]


def _env() -> dict[str, str]:
    """Only what a shell would pass on: no DATABASE_URL, so the embedded PostgreSQL is used."""
    env = {"PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
           "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8"}
    if "VIRTUAL_ENV" in os.environ:
        env["VIRTUAL_ENV"] = os.environ["VIRTUAL_ENV"]
    return env


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def _is_running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def run_cli(data_dir: Path, *args: str, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*_command(), *args, "--data-dir", str(data_dir)],
                          env={**_env(), **(env or {})}, cwd=data_dir.parent,
                          capture_output=True, text=True, timeout=timeout, check=False)


class ServeProcess:
    """One `commonhold serve` on 127.0.0.1:<free port>, its output kept in a file."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir.parent / f"serve-{self.port}.log"
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [*_command(), "serve", "--port", str(self.port), "--data-dir", str(data_dir)],
                env=_env(), cwd=data_dir.parent, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until(self._ready, START_TIMEOUT, f"/health on port {self.port}")
        except AssertionError:
            self.proc.kill()
            self.proc.wait(STOP_TIMEOUT)
            raise AssertionError(f"server did not become healthy:\n{self.output()}") from None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def _ready(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"server exited with {self.proc.returncode}:\n{self.output()}")
        try:
            with urllib.request.urlopen(self.base + "/health", timeout=2) as resp:
                return bool(resp.status == 200)
        except (OSError, urllib.error.URLError):
            return False

    def postgres_pid(self) -> int:
        return int((self.data_dir / "postgres" / "postmaster.pid").read_text().split()[0])

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(STOP_TIMEOUT)
            raise AssertionError(f"server ignored {sig.name}:\n{self.output()}") from None


@pytest.fixture
def data_dir(scratch_dir: Path) -> Iterator[Path]:
    path = scratch_dir / "data"
    yield path
    # Whatever a failed test left behind: stop a still-running embedded PostgreSQL.
    pidfile = path / "postgres" / "postmaster.pid"
    if pidfile.exists():
        pid = int(pidfile.read_text().split()[0])
        if _is_running(pid):
            os.kill(pid, signal.SIGTERM)
            _wait_until(lambda: not _is_running(pid), STOP_TIMEOUT, "a leftover postgres to stop")


class Browser:
    """Just enough of a browser for forms: a cookie jar, no automatic redirects."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                                  self._NoRedirect())

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=10) as resp:
                return resp.status, dict(resp.headers), resp.read().decode()
        except urllib.error.HTTPError as err:  # 3xx (not followed), 4xx, 5xx
            return err.code, dict(err.headers), err.read().decode()

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    def sign_in(self, login: str, password: str) -> tuple[int, dict[str, str]]:
        status, _, page = self.request("/auth/sign_in")
        assert status == 200
        status, headers, _ = self.request("/auth/sign_in", {
            "csrf_token": csrf_from(page), "login": login, "password": password})
        return status, headers


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_answers_health_and_stops_with_its_embedded_database(
        data_dir: Path, sig: signal.Signals) -> None:
    server = ServeProcess(data_dir)
    with urllib.request.urlopen(server.base + "/health", timeout=5) as resp:
        assert resp.headers["Content-Type"].startswith("application/json")
        assert json.loads(resp.read()) == {"status": "ok", "database": "ok"}
    postgres = server.postgres_pid()
    assert _is_running(postgres)

    assert server.stop(sig) == 0, server.output()
    assert "shutting down" in server.output()
    _wait_until(lambda: not _is_running(postgres), STOP_TIMEOUT,
                f"the embedded postgres (pid {postgres}) to stop")


def test_accounts_and_sessions_survive_a_restart(data_dir: Path, tmp_path: Path) -> None:
    password_file = tmp_path / "password"
    password_file.write_text(PASSWORD + "\n")
    created = run_cli(data_dir, "create-user", "ada", "--email", "ada@example.org",
                      "--password-file", str(password_file))
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == "created @ada (user)"

    server = ServeProcess(data_dir)
    browser = Browser(server.base)
    status, headers = browser.sign_in("ada", PASSWORD)
    assert status == 303 and headers["Location"] == "/"
    assert browser.cookie("ch_session")
    assert server.stop() == 0, server.output()

    server = ServeProcess(data_dir)
    # The session made before the restart still holds (sessions and the secret key persist)...
    browser.base = server.base
    status, _, page = browser.request("/")
    assert status == 200 and "Signed in as <strong>@ada@" in page
    # ...and a new browser can sign in again with the same password.
    status, _ = Browser(server.base).sign_in("ada", PASSWORD)
    assert status == 303
    status, _ = Browser(server.base).sign_in("ada", "not the password")
    assert status == 403
    assert server.stop() == 0, server.output()



def test_after_a_crash_the_next_clean_stop_still_stops_the_database(data_dir: Path) -> None:
    crashed = ServeProcess(data_dir)
    postgres = crashed.postgres_pid()
    crashed.proc.kill()          # no chance to clean up: the database stays up, orphaned
    crashed.proc.wait(STOP_TIMEOUT)
    assert _is_running(postgres)

    server = ServeProcess(data_dir)   # joins the database that is still running
    assert server.postgres_pid() == postgres
    assert server.stop() == 0, server.output()
    _wait_until(lambda: not _is_running(postgres), STOP_TIMEOUT,
                f"the embedded postgres (pid {postgres}) to stop")


def test_port_in_use_is_one_line_and_the_database_is_stopped(data_dir: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli(data_dir, "serve", "--port", str(port))
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    pidfile = data_dir / "postgres" / "postmaster.pid"
    if pidfile.exists():  # PostgreSQL removes it when it stops; if not yet, wait for the pid
        pid = int(pidfile.read_text().split()[0])
        _wait_until(lambda: not _is_running(pid), STOP_TIMEOUT, "the embedded postgres to stop")


def test_a_worker_with_no_job_workers_refuses_to_start(data_dir: Path) -> None:
    result = run_cli(data_dir, "worker", env={"COMMONHOLD_JOB_WORKERS": "0"}, timeout=30)
    assert result.returncode == 1
    assert "COMMONHOLD_JOB_WORKERS is 0" in result.stderr
    assert not (data_dir / "postgres").exists()     # refused before starting anything
