"""How busy this process's web side is, so that the verify lane can yield to it (slots.py).

Verifying a new actor's POST costs the process far more CPU than storing a known actor's
(a TLS handshake with the key's server, the actor document parsed and stored). At
saturation every millisecond the lane takes is a millisecond the known senders' requests
wait for. The lane therefore asks `saturated()` before it claims, and runs at its floor
while the answer is yes.

Two signs, both required (the second in one of three forms):

- requests not yet answered, averaged over the last WINDOW_SECONDS (the middleware counts a
  request from the handler's start until its answer's headers go out). Under a load the
  process keeps up with this stays near rate × time in the handler (about 1 at 1,000
  inbox POSTs a second); at saturation the requests read but unanswered pile up by the
  dozen. A stream (the streaming API) counts only until its headers are sent: an open but
  quiet stream costs nothing.
- the process short of CPU: either the event loop late (how late a timer fires, the probe
  the verify worker runs), or the process busy, its CPU time over the last few probes
  nearly all of the wall-clock time. Requests in flight alone would also count clients
  that send their bodies slowly, which cost no CPU; the CPU signs alone would also count
  the lane's own work, so a burst of new actors with nothing else to do would throttle
  itself. Either CPU sign suffices because each misses a case: on a core of its own the
  loop at saturation can stay within a few milliseconds of its timers (it is busy, not
  late), and on a shared core the process is late but gets less than a whole core. Or the
  known senders' rows waiting for the inbox's write (inbox_store.InboxWriter) by more than a
  batch, averaged over the same probes: the process then waits for PostgreSQL, neither late
  nor busy. W3 `--trace` showed that case: in the mixed saturated runs of `serve` the CPU
  share fell to ~0.5 (PostgreSQL, the key servers and the load generator sharing the other
  core), so the lane took that for calm and ran unpaced (60 verifications a second, not
  10), which loaded that core further. The queue's median was 145-178 rows in saturated
  runs (all-known and mixed) and 4-6 at W1's 1,000/s, where the database keeps up:
  BUSY_QUEUE (64) sits between.

Calibration (W3 `--trace`, bench/scenarios/w3_trace.py). Measured on the 2-core bench
machine while other work kept it overloaded (load average 8-9): at saturation (256
connections) the level's median was 60-240 and the lag's 10-50 ms, but the process got only
15-25 % of its core; at W1's 1,000/s the app fell behind there too (level ~100). The CPU
threshold comes from W1's quiet-machine figures instead: at saturation the app, on a core
of its own, spends ~272 µs x 3,500/s, i.e. ~95 % of it, on the known senders alone, and
at 1,000/s about 27 % (plus the lane's own ~3 ms per new actor while not yielding). On a
core of its own the loop can stay on time while busy: probably why, with the lag as the only
CPU sign, the lane lost about as much as one that never yields in quiet saturation runs
(not measured there since).
BUSY_REQUESTS (16) sits far below every saturated level seen and far above the ~1 of a
load the process keeps up with; BUSY_LAG_SECONDS (5 ms) is a quarter of a probe.

Measured with the monotonic clock, not the injected one: this is the process's load now,
not a time anything records. One gauge per process (WEB): the CPU the lane competes for
is the process's, whichever application in it serves the requests.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

from aiohttp import web

WINDOW_SECONDS = 0.1
BUSY_REQUESTS = 16.0        # average unanswered requests over the window
BUSY_LAG_SECONDS = 0.005    # a timer firing this late: the loop had no time to spare
BUSY_CPU = 0.9              # share of wall-clock time the process spent on CPU
BUSY_QUEUE = 64.0           # known rows waiting for the inbox's write
PROBE_SECONDS = 0.02
CPU_PROBES = 5              # the CPU share is taken over this many probes (~0.1 s)

_COUNTED = web.RequestKey("load_counted", bool)


class WebLoad:
    def __init__(self, now: Callable[[], float] = time.monotonic,
                 cpu: Callable[[], float] = time.process_time) -> None:
        self._now, self._cpu = now, cpu
        self.in_flight = 0
        self._since = self._start = now()
        self._area = 0.0            # in_flight integrated over the current window
        self.level = 0.0            # average in flight over the last closed window
        self.lag = 0.0              # recent timer lateness, seconds (see note_lag)
        self.cpu_share = 0.0        # CPU time / wall time over the last CPU_PROBES probes
        self._cpu_marks: deque[tuple[float, float]] = deque(maxlen=CPU_PROBES + 1)
        self._queue: Callable[[], int] | None = None
        self._queue_marks: deque[int] = deque(maxlen=CPU_PROBES)
        self.queue_level = 0.0      # rows waiting for the inbox's write, over the last probes
        self._listeners: list[tuple[Callable[[], None], Callable[[], None] | None]] = []
        self._probing: asyncio.Task[None] | None = None

    def watch_queue(self, queued: Callable[[], int] | None) -> None:
        """The known senders' rows waiting for the database (inbox_store.InboxWriter), read
        at every probe; None stops watching."""
        self._queue = queued
        self._queue_marks.clear()
        self.queue_level = 0.0

    def _tick(self) -> None:
        t = self._now()
        self._area += self.in_flight * (t - self._since)
        self._since = t
        span = t - self._start
        if span >= WINDOW_SECONDS:
            self.level, self._area, self._start = self._area / span, 0.0, t

    def enter(self) -> None:
        self._tick()
        self.in_flight += 1

    def leave(self) -> None:
        self._tick()
        self.in_flight -= 1

    def note_lag(self, late: float) -> None:
        """Rises at once, falls by half a probe: one quiet timer amid a burst is not calm."""
        self.lag = late if late >= self.lag else (self.lag + late) / 2

    def note_cpu(self) -> None:
        """Called by the probe: the process's CPU share since CPU_PROBES probes ago."""
        wall, cpu = self._now(), self._cpu()
        self._cpu_marks.append((wall, cpu))
        first_wall, first_cpu = self._cpu_marks[0]
        if wall > first_wall:
            self.cpu_share = (cpu - first_cpu) / (wall - first_wall)
        if self._queue is not None:
            self._queue_marks.append(self._queue())
            self.queue_level = sum(self._queue_marks) / len(self._queue_marks)

    def saturated(self) -> bool:
        self._tick()
        return self.level >= BUSY_REQUESTS and (self.lag >= BUSY_LAG_SECONDS
                                                or self.cpu_share >= BUSY_CPU
                                                or self.queue_level >= BUSY_QUEUE)

    def listen(self, on_calm: Callable[[], None],
               on_paced: Callable[[], None] | None = None) -> Callable[[], None]:
        """Call `on_calm` when saturation ends (a lane held at its floor then claims again at
        once rather than at its next poll) and `on_paced` at every probe while saturated (the
        lane's floor is a pace: slots.py; the web side's signal is refreshed then:
        load_signal.py), until the returned function is called. One probe runs while anyone
        listens: two probes would each count a CPU mark per tick and halve the window."""
        pair = (on_calm, on_paced)
        self._listeners.append(pair)
        loop = asyncio.get_running_loop()
        probing = self._probing
        # a probe left from a loop that closed without stopping it (tests) runs no more
        if probing is None or probing.done() or probing.get_loop() is not loop:
            self._probing = loop.create_task(self._probe(), name="web-load-probe")

        def stop() -> None:
            if pair in self._listeners:
                self._listeners.remove(pair)
            if not self._listeners and self._probing is not None:
                self._probing.cancel()
                self._probing = None
        return stop

    async def _probe(self) -> None:
        """Measure the loop's lag and the CPU share, and tell the listeners."""
        loop = asyncio.get_running_loop()
        was = False
        while True:
            start = loop.time()
            await asyncio.sleep(PROBE_SECONDS)
            self.note_lag(max(loop.time() - start - PROBE_SECONDS, 0.0))
            self.note_cpu()
            now = self.saturated()
            for on_calm, on_paced in list(self._listeners):
                if not now and was:
                    on_calm()
                elif now and on_paced is not None:
                    on_paced()
            was = now


WEB = WebLoad()


@web.middleware
async def count_requests(request: web.Request, handler: Callable) -> web.StreamResponse:  # type: ignore[type-arg]
    WEB.enter()
    request[_COUNTED] = True
    try:
        return await handler(request)
    finally:
        if request.get(_COUNTED):
            request[_COUNTED] = False
            WEB.leave()


async def _answered(request: web.Request, response: web.StreamResponse) -> None:
    # A stream's headers go out while its handler runs on: from here it waits, not works.
    if request.get(_COUNTED):
        request[_COUNTED] = False
        WEB.leave()


def install(app: web.Application) -> None:
    """Count `app`'s requests (before any other middleware, so errors count too)."""
    app.middlewares.insert(0, count_requests)
    app.on_response_prepare.append(_answered)
