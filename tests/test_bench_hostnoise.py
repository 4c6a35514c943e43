"""bench/hostnoise.py's reading of its counts: slow windows against the median, and the
runs of them (the episodes a latency tail is read against)."""

from __future__ import annotations

from bench.hostnoise import episodes


def test_slow_windows_are_told_apart_and_grouped_into_episodes() -> None:
    counts = [(i * 0.01, 100) for i in range(100)]
    for i in range(10, 16):        # one episode of 6 windows at 60 %
        counts[i] = (counts[i][0], 60)
    counts[50] = (counts[50][0], 70)   # one window alone at 70 %
    counts[99] = (counts[99][0], 50)   # an episode still open at the end counts too
    r = episodes(counts)
    assert r["windows"] == 100
    assert r["episodes"] == 3 and r["episodes_50ms"] == 1
    assert r["longest_ms"] == 60
    assert abs(r["slow_share"] - 0.08) < 1e-9
    assert abs(r["speed_in_episodes"] - (6 * 0.6 + 0.7 + 0.5) / 8) < 1e-9
    assert r["p1"] == 0.5 and r["p5"] == 0.6


def test_a_steady_machine_has_no_episodes() -> None:
    r = episodes([(i * 0.01, 200) for i in range(50)])
    assert r["episodes"] == 0 and r["slow_share"] == 0 and r["speed_in_episodes"] == 1.0
