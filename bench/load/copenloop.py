"""The open loop in C (bench/load/openloop.c), built with the machine's C compiler on first
use and kept in the temporary directory by the source's hash; None where there is no
compiler, and the caller falls back to the Python client (bench/load/rawhttp.py).

Why: the Python client costs ~120 µs of CPU per 27 KB answer (about half of it the kernel
receiving them), on the core PostgreSQL runs on. At W6's half load of ~1,200/s that is ~15 %
of that core, which clients on other machines would not take; the C client takes a few
percent. Same arrival rule, same timing from when a request was due, same result keys.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.load.openloop import check_target
from bench.load.rawhttp import build_request

SOURCE = Path(__file__).with_name("openloop.c")
DRAIN_SECONDS = 10.0


def binary() -> Path | None:
    """The built client, or None when it cannot be built here."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        return None
    text = SOURCE.read_bytes()
    digest = hashlib.sha256(text).hexdigest()[:16]
    out = Path(tempfile.gettempdir()) / f"commonhold-openloop-{digest}"
    if out.exists():
        return out
    part = out.with_suffix(".part")
    done = subprocess.run([cc, "-O2", "-o", str(part), str(SOURCE)], capture_output=True, text=True)
    if done.returncode != 0:
        return None
    part.replace(out)
    return out


def open_loop(url: str, *, rate: float, duration: float,
              targets: Sequence[tuple[str, str, bytes | None, dict[str, str]]],
              max_in_flight: int) -> dict[str, Any] | None:
    """bench.load.openloop.open_loop with `targets`, run by the C client; None when it cannot
    be built. Every target must be on the loopback host:port of `url`."""
    exe = binary()
    if exe is None:
        return None
    check_target(url)
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 80
    if host not in ("127.0.0.1", "::1"):   # the client takes addresses, not names
        raise ValueError(f"the C client needs 127.0.0.1 or ::1, not {host!r}")
    with tempfile.TemporaryDirectory(prefix="commonhold-openloop-") as tmp:
        reqs, result = Path(tmp) / "requests.bin", Path(tmp) / "result.json"
        with reqs.open("wb") as fh:
            for method, target_url, body, headers in targets:
                if (urlsplit(target_url).hostname, urlsplit(target_url).port) != (host, port):
                    raise ValueError("every target must be on the url's host and port")
                data = build_request(method, target_url, body, headers)
                fh.write(struct.pack("<I", len(data)) + data)
        subprocess.run([str(exe), host, str(port), f"{rate:.6f}", f"{duration:.6f}", str(reqs),
                        str(max_in_flight), str(result)], check=True,
                       timeout=duration + DRAIN_SECONDS + 30)
        return json.loads(result.read_text())  # type: ignore[no-any-return]
