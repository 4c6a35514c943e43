"""The W6 bench's account of when slow requests happened: PostgreSQL's log read back into
checkpoints and autovacuum runs, and slow requests placed in the sampler's intervals."""

from __future__ import annotations

import json
from calendar import timegm
from pathlib import Path

from bench.scenarios import w6_moments

LOG = """\
2026-11-26 22:25:34.989 UTC [8172] LOG:  checkpoint starting: wal
2026-11-26 22:25:58.245 UTC [8172] LOG:  checkpoint complete: wrote 8107 buffers (49.5%); 0 WAL file(s) added, 8 removed, 25 recycled; write=17.285 s, sync=5.472 s, total=23.257 s; sync files=1440
2026-11-26 22:26:10.500 UTC [9001] LOG:  automatic vacuum of table "bench_w6.public.statuses": index scans: 0
\tpages: 0 removed, 12000 remain
\tsystem usage: CPU: user: 1.20 s, system: 0.30 s, elapsed: 2.50 s
2026-11-26 22:26:20.000 UTC [9002] LOG:  automatic analyze of table "bench_w6.public.home_feed"
\tsystem usage: CPU: user: 0.10 s, system: 0.00 s, elapsed: 0.40 s
2026-11-26 22:27:00.000 UTC [8172] LOG:  checkpoint starting: time
"""


def _at(hms: str) -> float:
    h, m, s = hms.split(":")
    return timegm((2026, 11, 26, int(h), int(m), 0, 0, 0, 0)) + float(s)


def test_pg_events_reads_checkpoints_and_autovacuum_with_their_durations(tmp_path: Path) -> None:
    log = tmp_path / "log"
    log.write_text(LOG)
    events = w6_moments.pg_events(log)
    assert [e["kind"] for e in events] == ["checkpoint", "autovacuum", "autoanalyze", "checkpoint"]
    cp, vac, an, running = events
    assert (cp["start"], cp["end"]) == (_at("22:25:34.989"), _at("22:25:58.245"))
    assert cp["what"] == "8107 buffers, write 17.285 s, sync 5.472 s"
    assert vac["what"] == "statuses" and vac["end"] - vac["start"] == 2.5
    assert an["what"] == "home_feed" and round(an["end"] - an["start"], 3) == 0.4
    assert running["end"] == float("inf")


def _sample(t: float, checkpointer_written: int) -> dict[str, object]:
    return {"t": t, "cores": {"0": [100, 0, 1000], "1": [100, 0, 1000]},
            "pg": {"10": ["checkpointer", 0, 0, checkpointer_written],
                   "11": ["backend", 0, 0, 0]},
            "app": [0, 0], "bench": [0, 0], "me": [0, 0]}


def test_slow_requests_are_placed_in_the_intervals_they_were_due_in(tmp_path: Path) -> None:
    samples = tmp_path / "samples.jsonl"
    t0 = 1_000.0
    # the checkpointer writes 5 MB in the second interval only
    written = [0, 0, 5_000_000, 5_000_000, 5_000_000]
    samples.write_text("".join(json.dumps(_sample(t0 + i * 0.1, w)) + "\n"
                               for i, w in enumerate(written)))
    requests = [(1.0, t0 + 0.01 + i * 0.01, 0.0) for i in range(40)]
    requests[12] = (30.0, requests[12][1], 0.0)   # due in the second interval
    requests[15] = (25.0, requests[15][1], 2.0)
    a = w6_moments.analyse("run", requests, samples, [], None)
    assert (a["slow"], a["hot_intervals"], a["top3_share"]) == (2, 1, 1.0)
    assert a["hot"]["checkpointer MB"] == 5.0 and a["calm"]["checkpointer MB"] == 0.0
    assert a["worst"][0]["worst_ms"] == 30.0 and a["hot"]["gen late"] == 2.0
    assert len(w6_moments.table_rows(a)) == 4 and len(w6_moments.TABLE_HEAD) == 16
