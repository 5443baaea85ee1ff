"""The `mockserver bench` arguments and what they run; cli.py only wires them in and prints."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

from mockserver.bench.workload import APIS
from mockserver.errors import MockServerError

Say = Callable[[str], None]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--matrix", action="store_true", help="run the three standard targets against the ceiling; a markdown table"
    )
    parser.add_argument("--output", type=Path, default=None, help="also write the markdown report to this file")
    parser.add_argument("--scenarios", type=Path, default=None, help="scenario folder (default: the standard ones)")
    parser.add_argument("--scenario", default="bench-zero-delay", help="scenario to serve (default: bench-zero-delay)")
    parser.add_argument("--api", choices=sorted(APIS), default="chat", help="which API to call (default: chat)")
    parser.add_argument("--connections", type=_positive_int, default=16, help="keep-alive connections (default: 16)")
    parser.add_argument(
        "--streams", type=_positive_int, default=None, help="hold this many streams at once instead, one per connection"
    )
    parser.add_argument("--duration", type=_positive_float, default=5.0, help="seconds of load (default: 5)")
    parser.add_argument("--repeat", type=_positive_int, default=None, help="runs per target; medians are shown")
    parser.add_argument("--compare-ceiling", action="store_true", help="also run bare Starlette on the same bytes")
    parser.add_argument("--workers", type=_positive_int, default=1, help="mockserver processes (default: 1)")
    parser.add_argument("--scale", type=_positive_float, default=1.0, help="shrink the matrix loads, e.g. 0.1")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {text!r}")
    return value


@contextlib.contextmanager
def _scenarios(folder: Path | None) -> Iterator[Path]:
    from mockserver.bench.runner import standard_scenarios

    if folder is not None:
        yield folder
        return
    with standard_scenarios() as standard:
        yield standard


def run(args: argparse.Namespace, say: Say) -> str:
    """The report as markdown; `say` shows progress as it goes."""
    from mockserver.bench.matrix import run_matrix
    from mockserver.bench.report import DETAIL_HEADER, detail_row, error_lines, load_average, machine
    from mockserver.bench.runner import GROUPED, PER_EVENT, RAW_GROUPED, WARMUP_SECONDS, Load, compare, factories
    from mockserver.scenario.loader import load_scenarios

    if args.matrix:
        return run_matrix(repeat=args.repeat or 3, scale=args.scale, api=args.api, progress=say)
    with _scenarios(args.scenarios) as folder:
        if args.scenario not in load_scenarios(folder):
            raise MockServerError(f"no scenario named {args.scenario!r} in {folder}")
        held = args.streams is not None
        load = Load(
            scenario=args.scenario,
            api=args.api,
            connections=args.streams if held else args.connections,
            requests_per_connection=1 if held else 1 << 62,
            duration=float("inf") if held else args.duration,
            warmup=min(WARMUP_SECONDS, args.duration / 5),
        )
        ceilings = ((PER_EVENT,) if held else (PER_EVENT, GROUPED, RAW_GROUPED)) if args.compare_ceiling else ()
        made = factories(folder, load, ceilings=ceilings, workers=args.workers, host="127.0.0.1")
        series = compare(folder, load, made, args.repeat or 1)
    lines = [f"{machine()}; load average {load_average()}", "", DETAIL_HEADER + "".join(detail_row(s) for s in series)]
    errors = error_lines(series)
    if errors:
        lines += ["Errors:", "", errors]
    if args.compare_ceiling:
        mock = series[0].median("streams_per_second" if not held else "gap_p99") or 0.0
        for ceiling in series[1:]:
            if held:
                lines.append(f"gap p99: {ceiling.target} {(ceiling.median('gap_p99') or 0) * 1000:.1f} ms")
            else:
                top = ceiling.median("streams_per_second") or 0.0
                lines.append(f"mockserver / {ceiling.target}: {mock / top:.0%}" if top else "")
    return "\n".join(lines).rstrip() + "\n"
