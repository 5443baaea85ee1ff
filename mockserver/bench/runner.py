"""Running a load against mockserver (and the ceiling) and collecting the figures.

Targets of one comparison run in turn, interleaved repetition by repetition, so a burst of
noise from the rest of the machine hurts each of them alike; the medians are reported.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import math
import os
import statistics
import tempfile
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockserver.bench.loadgen import build_request, run_load
from mockserver.bench.report import Result, Series
from mockserver.bench.target import Target, ceiling_target, cores, mockserver_target
from mockserver.bench.workload import APIS, request_body, write_scenarios
from mockserver.compiled import TurnCache
from mockserver.dialects import DIALECTS
from mockserver.scenario.loader import load_scenarios
from mockserver.scenario.matching import SCENARIO_HEADER

WARMUP_SECONDS = 0.5
SETTLE_SECONDS = 1.0
SLACK_SECONDS = 30.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Load:
    """How hard to push: `connections` each sending `requests_per_connection` requests until `duration` ends."""

    scenario: str
    api: str = "chat"
    connections: int = 16
    requests_per_connection: int = 1 << 62
    duration: float = 5.0
    warmup: float = WARMUP_SECONDS


@dataclass(frozen=True, slots=True)
class Promise:
    """What the scenario promises: the typical gap between writes and the length of one stream."""

    gap: float | None
    length: float


def scripted(scenarios: Path, load: Load) -> Promise:
    scenario = load_scenarios(scenarios).get(load.scenario)
    path = APIS[load.api][0]
    dialect = next((d for d in DIALECTS if d.path == path), None)
    if scenario is None or dialect is None:
        return Promise(None, 0.0)
    stream = TurnCache().stream(scenario, 0, dialect, None)
    dues = [group[0] for group in stream.groups]
    gaps = [b - a for a, b in itertools.pairwise(dues) if b > a]
    return Promise(statistics.median(gaps) if gaps else None, stream.duration)


def new_loop() -> asyncio.AbstractEventLoop:
    """uvloop where installed: the client must not be the slower side."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def run_async(coro: Coroutine[Any, Any, Any]) -> Any:
    with asyncio.Runner(loop_factory=new_loop) as runner:
        return runner.run(coro)


@contextlib.contextmanager
def pinned(cpus: set[int] | None) -> Iterator[None]:
    """Move this process (the load generator) onto `cpus` for the run, then back."""
    if cpus is None:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


async def measure(target: Target, load: Load, script: Promise) -> Result:
    path, body, headers = request_body(load.api)
    request = build_request(target.host, target.port, path, body, {**headers, SCENARIO_HEADER: load.scenario})
    # Warm-up compiles the turn and wakes the server: a held load starts a few streams and cuts
    # them short (a paced stream outlasts any warm-up); a throughput load runs for `warmup` s.
    held = load.requests_per_connection == 1 or math.isinf(load.duration)
    await run_load(
        target.host,
        target.port,
        request,
        connections=min(load.connections, 16),
        requests_per_connection=1 if held else 1 << 62,
        duration=load.warmup,
        give_up_after=load.warmup if held else load.warmup + script.length + SLACK_SECONDS,
    )
    await asyncio.sleep(min(0.2, load.warmup))
    before = target.rss()
    peak = before
    running = True

    async def watch() -> None:
        nonlocal peak
        while running:
            now = target.rss()
            if now is not None and (peak is None or now > peak):
                peak = now
            await asyncio.sleep(0.1)

    watcher = asyncio.create_task(watch())
    timeout = (0.0 if math.isinf(load.duration) else load.duration) + script.length + SLACK_SECONDS
    sample, seconds = await run_load(
        target.host,
        target.port,
        request,
        connections=load.connections,
        requests_per_connection=load.requests_per_connection,
        duration=load.duration,
        give_up_after=timeout,
    )
    running = False
    await watcher
    await asyncio.sleep(SETTLE_SECONDS if load.connections > 100 else min(0.2, load.warmup))
    return Result.from_sample(
        target.name,
        load.connections if load.requests_per_connection == 1 else 0,
        sample,
        seconds,
        scripted_gap=script.gap,
        rss_before=before,
        rss_peak=peak,
        rss_after=target.rss(),
    )


TargetFactory = Callable[[], Target]


def compare(scenarios: Path, load: Load, factories: list[TargetFactory], repeat: int) -> list[Series]:
    """Each target started once, then measured `repeat` times, interleaved with the others."""
    script = scripted(scenarios, load)
    client_cpus = cores()[1]
    with contextlib.ExitStack() as stack:
        targets = [stack.enter_context(factory()) for factory in factories]
        series = [Series(t.name) for t in targets]
        with pinned(client_cpus):
            for _ in range(repeat):
                for target, row in zip(targets, series, strict=True):
                    row.runs.append(run_async(measure(target, load, script)))
    return series


# (grouped, raw) for each ceiling to run beside mockserver.
PER_EVENT = (False, False)
GROUPED = (True, False)
RAW_GROUPED = (True, True)


def factories(
    scenarios: Path, load: Load, *, ceilings: Sequence[tuple[bool, bool]] = (), workers: int = 1, host: str
) -> list[TargetFactory]:
    # Worker processes are there to use more than one core, so they are not pinned to one.
    server_cpus = cores()[0] if workers == 1 else None
    made: list[TargetFactory] = [lambda: mockserver_target(scenarios, host, server_cpus, workers)]
    for grouped, raw in ceilings:
        made.append(
            functools.partial(
                ceiling_target, scenarios, load.scenario, load.api, host, server_cpus, grouped=grouped, raw=raw
            )
        )
    return made


@contextlib.contextmanager
def standard_scenarios() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="mockserver-bench-") as tmp:
        yield write_scenarios(Path(tmp))
