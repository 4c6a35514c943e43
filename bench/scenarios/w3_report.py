"""W3's tables (see w3_unknown_actors): the known-actor drop at saturation and open loop,
new actors' lag and 503s beside it, and what one new actor costs."""

from __future__ import annotations

from typing import Any

from bench.common import Result, mmm

UNKNOWN_EVERY = 10
KNOWN_SHARE = 1 - 1 / UNKNOWN_EVERY
CONNECTIONS = 256
NEW_ACTORS = 200   # per run of the new-actors-only measurement
NEW_AT_ONCE = 64


def _drop(mixed_known: float, all_known: float) -> float:
    """The known senders' loss: their rate in the mix against the SAME share of the traffic
    when every sender was known (KNOWN_SHARE of the all-known rate). Against the whole
    all-known rate, the 10 % the new actors take of the offered traffic would count as a
    loss even if they cost nothing."""
    return 1 - mixed_known / (KNOWN_SHARE * all_known)


def report(res: Result, out: dict[str, Any], modes: list[str], latency_ms: float,
            open_rate: float, fl: dict[str, Any]) -> None:
    rows, against = [], []
    for mode in modes:
        o = out[mode]
        m = {label: {name: res.metric(f"{mode}.{label}_{name}", o[label][name], unit)
                     for name, unit in (("known_s", "1/s"), ("unknown_total", ""),
                                        ("lag_max_s", "s"), ("lag_mean_s", "s"),
                                        ("app_us", "µs"), ("pg_us", "µs"), ("drain_s", "s"))}
             for label in o if label != "new"}
        sat_runs = ("known", "mixed", "mixed_instant")
        base, mix = m["known"]["known_s"]["median"], m["mixed"]["known_s"]["median"]
        instant = m["mixed_instant"]["known_s"]["median"]
        res.ratios[f"w3.{mode}.known_mixed_over_known_share"] = mix / (KNOWN_SHARE * base)
        res.ratios[f"w3.{mode}.known_mixed_over_known_only"] = mix / base
        rows.append([mode, mmm(m["known"]["known_s"]), mmm(m["mixed"]["known_s"]),
                     mmm(m["mixed_instant"]["known_s"]), mmm(m["mixed"]["unknown_total"]),
                     mmm(m["mixed"]["lag_max_s"]), mmm(m["mixed"]["lag_mean_s"]),
                     mmm(m["mixed"]["drain_s"]), mmm(m["known"]["app_us"]),
                     mmm(m["mixed"]["app_us"]), mmm(m["mixed"]["pg_us"]),
                     f"{sum(sum(o[k]['non_2xx']) for k in sat_runs):,.0f}",
                     f"{max(max(o[k]['left_after_drain']) for k in sat_runs[1:]):,.0f}"])
        against += [
            [f"{mode}: known-actor drop at saturation, against {KNOWN_SHARE:.0%} of all-known",
             f"{_drop(mix, base) * 100:.1f} %", "≤ 10 %"],
            [f"{mode}:   (against the whole all-known rate, as reported before)",
             f"{(1 - mix / base) * 100:.1f} %", ""],
            [f"{mode}:   of which the {latency_ms:.0f} ms key fetches (against instant keys)",
             f"{(1 - mix / instant) * 100:.1f} %", "≈ 0 (no head-of-line blocking)"],
            [f"{mode}:   new actors' lag accept → verified, max / mean (saturation)",
             f"{m['mixed']['lag_max_s']['median']:.1f} / "
             f"{m['mixed']['lag_mean_s']['median']:.1f} s", "reported: not hidden"],
            [f"{mode}:   non-2xx in the mixed runs (503: backlog full; or errors)",
             f"{sum(o['mixed']['non_2xx']):,.0f}", ""]]
        if "open_mixed" in m:
            ob, om = m["open_known"]["known_s"]["median"], m["open_mixed"]["known_s"]["median"]
            against += [
                [f"{mode}: known-actor drop at {open_rate:,.0f}/s open loop (known {om:,.0f}/s "
                 f"against {KNOWN_SHARE:.0%} of {ob:,.0f}/s)", f"{_drop(om, ob) * 100:.1f} %",
                 "≤ 10 %"],
                [f"{mode}:   new actors' lag at {open_rate:,.0f}/s, max / mean; non-2xx",
                 f"{m['open_mixed']['lag_max_s']['median']:.1f} / "
                 f"{m['open_mixed']['lag_mean_s']['median']:.2f} s; "
                 f"{sum(o['open_mixed']['non_2xx']):,.0f}", ""]]
    new_rows = []
    for mode in modes:
        o = out[mode]["new"]
        new_rows.append([mode, mmm(res.metric(f"{mode}.new_web_us", o["web_us"], "µs")),
                         mmm(res.metric(f"{mode}.new_worker_us", o["worker_us"], "µs"))
                         if mode == "split" else "–",
                         mmm(res.metric(f"{mode}.new_pg_us", o["pg_us"], "µs")),
                         mmm(res.metric(f"{mode}.new_answered_s", o["answered_s"], "s")),
                         mmm(res.metric(f"{mode}.new_stored_s", o["stored_s"], "s")),
                         f"{min(o['stored']):,.0f} / {NEW_ACTORS}"])
    res.table(["mode", "web process CPU µs per new actor", "worker process CPU µs per new actor",
               "PG CPU µs per new actor", f"all {NEW_ACTORS} answered, s", "all stored, s",
               "stored (min)"], new_rows,
              title=f"W3 the cost of a new actor ({NEW_ACTORS} activities, each from a new "
                    f"actor, {NEW_AT_ONCE} in flight, key fetch {latency_ms:.0f} ms over TLS)")
    res.table(["mode", "known/s, all known", "known/s, 10 % new",
               "known/s, 10 % new, keys at once", "new actors stored per run",
               "lag max, s", "lag mean, s", "drain after run, s", "web µs/act, all known",
               "web µs/act, mixed", "PG µs/act, mixed", "non-2xx", "left waiting"], rows,
              title=f"W3 unknown actors at saturation (wrk, {CONNECTIONS} connections, key "
                    f"fetch {latency_ms:.0f} ms over TLS)")
    against += [["actor documents fetched (all runs)", f"{fl.get('fetches', 0):,}", ""],
                ["peak actor fetches in flight at the fleet",
                 f"{fl.get('max_fetches_in_flight', 0)}", "≤ 32 per process"]]
    res.table(["figure", "value", "target"], against, title="W3 against the target")

