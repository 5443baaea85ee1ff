"""Figures from a run, and the markdown they are shown in."""

from __future__ import annotations

import math
import os
import platform
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from mockserver.bench.loadgen import Sample


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile: an observed value, never an interpolation between two."""
    if not values:
        return None
    ordered = sorted(values)
    # The epsilon keeps 0.99 × 100 (99.00000000000001 in floating point) at rank 99.
    rank = max(0, min(len(ordered) - 1, math.ceil(fraction * len(ordered) - 1e-9) - 1))
    return ordered[rank]


@dataclass(slots=True, kw_only=True)
class Result:
    """One target under one load, once."""

    target: str
    held: int
    seconds: float
    streams: int
    events: int
    errors: int
    error_kinds: dict[str, int]
    first_byte_p50: float | None
    first_byte_p99: float | None
    gap_p50: float | None
    gap_p99: float | None
    gap_max: float | None
    scripted_gap: float | None
    rss_before: int | None
    rss_peak: int | None
    rss_after: int | None = None

    @classmethod
    def from_sample(cls, target: str, held: int, sample: Sample, seconds: float, **rest: object) -> Result:
        return cls(
            target=target,
            held=held,
            seconds=seconds,
            streams=sample.streams,
            events=sample.events,
            errors=sample.errors,
            error_kinds=dict(sample.error_kinds),
            first_byte_p50=percentile(sample.first_byte, 0.50),
            first_byte_p99=percentile(sample.first_byte, 0.99),
            gap_p50=percentile(sample.gaps, 0.50),
            gap_p99=percentile(sample.gaps, 0.99),
            gap_max=max(sample.gaps, default=None),
            **rest,  # type: ignore[arg-type]
        )

    @property
    def streams_per_second(self) -> float:
        return self.streams / self.seconds if self.seconds else 0.0

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    @property
    def rss_per_stream(self) -> float | None:
        if self.rss_peak is None or self.rss_before is None or self.held < 100:
            return None
        return max(0, self.rss_peak - self.rss_before) / self.held


@dataclass(slots=True)
class Series:
    """Repeated runs of one target: the median of each figure is what gets reported."""

    target: str
    runs: list[Result] = field(default_factory=list)

    def median(self, name: str) -> float | None:
        values = [v for r in self.runs if (v := getattr(r, name)) is not None]
        return statistics.median(values) if values else None

    def first(self, name: str) -> float | None:
        """Memory is read from the first run: later ones reuse what the first made the server take."""
        value: float | None = getattr(self.runs[0], name) if self.runs else None
        return value

    def last(self, name: str) -> float | None:
        value: float | None = getattr(self.runs[-1], name) if self.runs else None
        return value

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.runs)

    @property
    def rss_growth(self) -> int | None:
        """RSS after the last run minus after the first: what a leak would show."""
        after = [r.rss_after for r in self.runs if r.rss_after is not None]
        return after[-1] - after[0] if len(after) > 1 else None


def ms(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds * 1000:,.1f} ms" if seconds < 1 else f"{seconds:,.2f} s"


def mib(size: float | None) -> str:
    return "–" if size is None else f"{size / 2**20:,.1f} MiB"


def kib(size: float | None) -> str:
    return "–" if size is None else f"{size / 1024:,.1f} KiB"


def rate(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


DETAIL_HEADER = (
    "| target | held | streams/s | events/s | first byte p50 / p99 | gap p50 / p99 / max (scripted) "
    "| errors | RSS idle / peak / after the last run | RSS per held stream |\n"
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
)


def detail_row(series: Series) -> str:
    m = series.median
    scripted = m("scripted_gap")
    gap = f"{ms(m('gap_p50'))} / {ms(m('gap_p99'))} / {ms(m('gap_max'))}"
    if scripted:
        gap += f" ({ms(scripted)})"
    rss = f"{mib(series.first('rss_before'))} / {mib(series.first('rss_peak'))} / {mib(series.last('rss_after'))}"
    held = series.runs[0].held if series.runs else 0
    return (
        f"| {series.target} | {held:,} | {rate(m('streams_per_second'))} | {rate(m('events_per_second'))} "
        f"| {ms(m('first_byte_p50'))} / {ms(m('first_byte_p99'))} | {gap} | {series.errors} | {rss} "
        f"| {kib(series.first('rss_per_stream'))} |\n"
    )


def error_lines(all_series: list[Series]) -> str:
    lines = []
    for series in all_series:
        kinds: dict[str, int] = {}
        for run in series.runs:
            for kind, count in run.error_kinds.items():
                kinds[kind] = kinds.get(kind, 0) + count
        if kinds:
            lines.append(f"- {series.target}: " + ", ".join(f"{k} ×{v}" for k, v in sorted(kinds.items())))
    return "\n".join(lines) + ("\n" if lines else "")


def load_average() -> str:
    try:
        return ", ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, Python {platform.python_version()}"
    )
