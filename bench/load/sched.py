"""How long processes waited for a core: the figure that tells a slow run on a busy machine
from a slow app."""

from __future__ import annotations

import os
from pathlib import Path


def runq_wait(pids: list[int]) -> float:
    """Seconds the threads of these processes have spent runnable but not running, since they
    started (/proc/<pid>/task/<tid>/schedstat, second field; 0 where the kernel lacks it).
    Threads that ended meanwhile drop out, so take differences over a live process."""
    total = 0
    for pid in pids:
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                total += int(Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()[1])
            except (OSError, IndexError, ValueError):
                pass
    return total / 1e9
