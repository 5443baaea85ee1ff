"""`mockserver bench --matrix`: the three standard targets, side by side with the bare-Starlette ceiling."""

from __future__ import annotations

import datetime
import importlib.util
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from mockserver.bench.report import DETAIL_HEADER, Series, detail_row, error_lines, load_average, machine, ms, rate
from mockserver.bench.runner import GROUPED, PER_EVENT, RAW_GROUPED, Load, compare, factories, standard_scenarios
from mockserver.bench.target import cores
from mockserver.bench.workload import Case, matrix_cases

Progress = Callable[[str], None]


def _load(case: Case, api: str) -> Load:
    return Load(
        scenario=case.scenario,
        api=api,
        connections=case.connections,
        requests_per_connection=case.requests_per_connection,
        duration=case.duration,
    )


def _served(series: Series, case: Case) -> bool:
    return series.errors == 0 and all(r.streams == case.connections for r in series.runs)


def _verdict(case: Case, mock: Series, ceiling: Series | None, floor: Series | None) -> tuple[str, bool]:
    m = mock.median
    match case.key:
        case "throughput":
            sps = m("streams_per_second") or 0.0
            cell = rate(sps)
            top = ceiling.median("streams_per_second") if ceiling else None
            ratio = sps / top if top else None
            if ratio is not None:
                cell += f" ({ratio:.0%} of the grouped ceiling"
                bottom = floor.median("streams_per_second") if floor else None
                cell += f", {sps / bottom:.0%} of raw ASGI)" if bottom else ")"
            return cell, sps >= 6000 and (ratio is None or ratio >= 0.65) and mock.errors == 0
        case "held":
            gap, first = m("gap_p99"), m("first_byte_p99")
            ok = _served(mock, case) and gap is not None and gap <= 0.120 and first is not None and first <= 0.5
            return f"{ms(gap)} / {ms(first)}", ok
        case _:
            gap = m("gap_p99")
            return ms(gap), _served(mock, case) and gap is not None and gap <= 0.025


def _cell(case: Case, series: Series | None) -> str:
    if series is None:
        return "–"
    m = series.median
    match case.key:
        case "throughput":
            return rate(m("streams_per_second"))
        case "held":
            return f"{ms(m('gap_p99'))} / {ms(m('first_byte_p99'))}"
        case _:
            return ms(m("gap_p99"))


def run_matrix(
    *, repeat: int = 3, scale: float = 1.0, api: str = "chat", host: str = "127.0.0.1", progress: Progress = print
) -> str:
    """Run every case against mockserver and the ceilings; the markdown report."""
    started = datetime.datetime.now(datetime.UTC)
    load_before = load_average()
    results: list[tuple[Case, list[Series]]] = []
    with standard_scenarios() as scenarios:
        start, stop = _in_process(scenarios)
        for case in matrix_cases(scale):
            progress(f"{case.title} ...")
            load = _load(case, api)
            ceilings = (PER_EVENT, GROUPED, RAW_GROUPED) if case.key == "throughput" else (PER_EVENT,)
            made = factories(scenarios, load, ceilings=ceilings, host=host)
            series = compare(scenarios, load, made, repeat)
            for row in series:
                progress("  " + detail_row(row).strip())
            results.append((case, series))
    lines = _markdown(results, started, load_before, repeat, scale)
    note = (
        f"In process (`MockServer`, as the pytest fixture runs it): start {start * 1000:.1f} ms, "
        f"stop {stop * 1000:.1f} ms (medians of {IN_PROCESS_RUNS}; target: start ≤ 150 ms)."
    )
    return lines.replace("\n## Details\n", f"\n{note}\n\n## Details\n", 1)


IN_PROCESS_RUNS = 5


def _in_process(scenarios: Path) -> tuple[float, float]:
    """Median seconds to start (scenarios loaded, socket bound, serving) and to stop a MockServer."""
    from mockserver.server import MockServer

    starts: list[float] = []
    stops: list[float] = []
    for _ in range(IN_PROCESS_RUNS):
        began = time.perf_counter()
        server = MockServer(scenarios).start()
        starts.append(time.perf_counter() - began)
        began = time.perf_counter()
        server.stop()
        stops.append(time.perf_counter() - began)
    return statistics.median(starts), statistics.median(stops)


def _markdown(
    results: list[tuple[Case, list[Series]]], started: datetime.datetime, load_before: str, repeat: int, scale: float
) -> str:
    server_cpus, client_cpus = cores()
    pinning = "not pinned (one core)"
    if server_cpus and client_cpus:
        client = ", ".join(map(str, sorted(client_cpus)))
        pinning = f"server pinned to core {min(server_cpus)}, load generator to core(s) {client}"
    extras = [name for name in ("uvloop", "httptools") if importlib.util.find_spec(name) is not None]
    lines = [
        "# Benchmarks",
        "",
        f"`mockserver bench --matrix` on {started:%Y-%m-%d %H:%M} UTC: {machine()}; {pinning}; "
        f"{' and '.join(extras) or 'no uvloop/httptools'}. Load average before {load_before}, after "
        f"{load_average()}. Medians of {repeat} runs, targets interleaved"
        + (f"; loads scaled by {scale}" if scale != 1.0 else "")
        + ". Each stream is a 100-event Chat answer of 400 characters.",
        "",
        "| what | mockserver | bare Starlette, one ASGI message per event | bare Starlette, due frames in one message "
        "| raw ASGI endpoint, due frames in one message | target | met |",
        "| --- | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for case, series in results:
        mock, per_event = series[0], series[1] if len(series) > 1 else None
        grouped = series[2] if len(series) > 2 else None
        raw = series[3] if len(series) > 3 else None
        cell, ok = _verdict(case, mock, grouped, raw)
        what = case.title + (": gap p99 / first byte p99" if case.key == "held" else "")
        what += ": gap p99" if case.key == "paced" else ""
        lines.append(
            f"| {what} | {cell} | {_cell(case, per_event)} | {_cell(case, grouped)} | {_cell(case, raw)} | {case.goal} "
            f"| {'yes' if ok else 'no'} |"
        )
    lines += ["", "## Details", ""]
    for case, series in results:
        lines += [f"### {case.title}", "", DETAIL_HEADER + "".join(detail_row(s) for s in series)]
        errors = error_lines(series)
        if errors:
            lines += ["Errors:", "", errors]
        growth = series[0].rss_growth
        if growth is not None:
            lines += [
                f"mockserver RSS after the last run minus after the first: {growth / 2**20:+,.1f} MiB "
                "(the journal keeps the last 10,000 calls, so memory grows until it is full, then stays).",
                "",
            ]
    return "\n".join(lines).rstrip() + "\n"


def write_matrix(output: Path | None, **options: object) -> str:
    text = run_matrix(**options)  # type: ignore[arg-type]
    if output is not None:
        output.write_text(text)
    return text
