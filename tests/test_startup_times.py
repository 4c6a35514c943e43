"""COMMONHOLD_STARTUP_TIMES: one stderr line per start-up phase when set, nothing when not."""

from __future__ import annotations

import os
import subprocess
import sys

CODE = "from server import startup_times as t; t.mark('first phase'); t.mark('second phase')"


def _run(value: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "COMMONHOLD_STARTUP_TIMES"}
    if value is not None:
        env["COMMONHOLD_STARTUP_TIMES"] = value
    done = subprocess.run([sys.executable, "-c", CODE], env=env, capture_output=True, text=True,
                          timeout=60, check=True)
    return done.stderr


def test_each_phase_prints_its_end_since_the_process_began() -> None:
    lines = _run("1").splitlines()
    fields = [line.split(None, 4) for line in lines]
    assert [f[0] for f in fields] == ["startup", "startup"]
    assert [f[4] for f in fields] == ["first phase", "second phase"]
    first, second = float(fields[0][1]), float(fields[1][1])
    # Counted from the exec: the interpreter's own start is already behind the first mark.
    assert 0 < first <= second < 60
    assert fields[1][3].startswith("(+")


def test_nothing_is_printed_unless_asked() -> None:
    assert _run(None) == ""
    assert _run("0") == ""
