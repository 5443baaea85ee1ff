"""`mockserver serve | validate | list | bench`: the only module that prints or exits."""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
from collections.abc import Sequence
from pathlib import Path

from mockserver.bench.command import add_arguments as add_bench_arguments, run as run_bench
from mockserver.config import (
    BUNDLED_SCENARIOS,
    JOURNAL_MAX_BYTES,
    JOURNAL_MAX_REQUESTS,
    KEEP_ALIVE_TIMEOUT,
    MIB,
    NAMESPACE_IDLE_TIMEOUT,
    RENDER_CACHE_MAX_BYTES,
    RESPONSES_MAX_BYTES,
    ServerConfig,
    parse_size,
)
from mockserver.errors import MockServerError, ScenarioError
from mockserver.scenario.loader import chaos_from_text, check_scenarios, load_scenarios


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number such as 2 or 0.5, got {text!r}") from None
    if not value > 0 or math.isnan(value):
        raise argparse.ArgumentTypeError(f"speed must be greater than 0, got {text!r}")
    return value


def _chaos(text: str) -> str:
    try:
        chaos_from_text(text)
    except ScenarioError as exc:
        raise argparse.ArgumentTypeError(
            "; ".join(p.message if not p.field else f"{p.field}: {p.message}" for p in exc.problems)
        ) from None
    return text


def _size(text: str) -> int:
    try:
        value = parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1 byte, got {text!r}")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number such as 10000, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {text!r}")
    return value


def _idle(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number of seconds such as 3600, or 0 for never, got {text!r}"
        ) from None
    if not 0 <= value < math.inf:
        raise argparse.ArgumentTypeError(f"expected a number of seconds such as 3600, or 0 for never, got {text!r}")
    return value or None


def _default_scenarios() -> Path:
    return BUNDLED_SCENARIOS if BUNDLED_SCENARIOS.is_dir() else Path("scenarios")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mockserver", description="A mock streaming server for LLM APIs.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve a folder of scenarios over HTTP")
    serve.add_argument("--scenarios", type=Path, default=None, help="scenario folder (default: the bundled one)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to bind (default: 8000)")
    serve.add_argument(
        "--speed", type=_speed, default=1.0, help="scripted time is divided by this: 2 runs twice as fast (default: 1)"
    )
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    serve.add_argument(
        "--chaos",
        type=_chaos,
        default=None,
        metavar="SPEC",
        help="random faults on every scenario without its own chaos, e.g. rate=0.2,seed=1 or "
        "rate=0.1,seed=7,faults=disconnect+reset+stall+503 (same seed, same faults at the same frames)",
    )
    serve.add_argument(
        "--watch",
        action="store_true",
        help="reload a scenario file when it changes; a bad edit keeps the last good one",
    )
    serve.add_argument(
        "--workers", type=int, default=1, help="processes sharing the port; each keeps its own journal (default: 1)"
    )
    kept = serve.add_argument_group("what the server keeps (sizes take KB, MB, GB: powers of 1024)")
    kept.add_argument(
        "--journal-max-requests",
        type=_count,
        default=JOURNAL_MAX_REQUESTS,
        metavar="N",
        help=f"requests the journal keeps, oldest dropped first (default: {JOURNAL_MAX_REQUESTS})",
    )
    kept.add_argument(
        "--journal-max-bytes",
        type=_size,
        default=JOURNAL_MAX_BYTES,
        metavar="SIZE",
        help=f"bytes of request bodies the journal keeps (default: {JOURNAL_MAX_BYTES // MIB}MB)",
    )
    kept.add_argument(
        "--responses-max-bytes",
        type=_size,
        default=RESPONSES_MAX_BYTES,
        metavar="SIZE",
        help=f"bytes of stored Responses kept for previous_response_id (default: {RESPONSES_MAX_BYTES // MIB}MB)",
    )
    kept.add_argument(
        "--render-cache-max-bytes",
        type=_size,
        default=RENDER_CACHE_MAX_BYTES,
        metavar="SIZE",
        help=f"bytes of rendered scenario turns kept for reuse (default: {RENDER_CACHE_MAX_BYTES // MIB}MB)",
    )
    kept.add_argument(
        "--namespace-idle-timeout",
        type=_idle,
        default=NAMESPACE_IDLE_TIMEOUT,
        metavar="SECONDS",
        help=f"forget a namespace unused this long; 0 never does (default: {NAMESPACE_IDLE_TIMEOUT:g})",
    )
    serve.add_argument(
        "--keep-alive-timeout",
        type=_count,
        default=KEEP_ALIVE_TIMEOUT,
        metavar="SECONDS",
        help=f"close a kept-alive connection idle this long (default: {KEEP_ALIVE_TIMEOUT:g})",
    )

    validate = commands.add_parser("validate", help="check scenario files; exit 1 listing every problem")
    validate.add_argument("directory", type=Path)

    listing = commands.add_parser("list", help="list the scenarios in a folder")
    listing.add_argument("directory", type=Path, nargs="?", default=None)

    bench = commands.add_parser("bench", help="measure mockserver under load: streams/s, timing, memory")
    add_bench_arguments(bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        match args.command:
            case "serve":
                return _serve(args)
            case "bench":
                report = run_bench(args, lambda line: print(line, file=sys.stderr, flush=True))
                if args.output is not None:
                    args.output.write_text(report)
                print(report, end="")
                return 0
            case "validate":
                return _validate(args.directory)
            case "list":
                directory = args.directory or _default_scenarios()
                for name, scenario in sorted(load_scenarios(directory).items()):
                    turns = len(scenario.turns)
                    print(f"{name}\t{turns} turn{'s' if turns != 1 else ''}\t{scenario.description}")
                return 0
            case _:
                return 2
    except ScenarioError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        count = len(exc.problems)
        print(f"{count} problem{'s' if count != 1 else ''} found", file=sys.stderr)
        return 1
    except MockServerError as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 1


def _validate(directory: Path) -> int:
    """A verdict for every file: the valid ones on stdout, each problem of the others on stderr."""
    verdicts = check_scenarios(directory)
    failed = [verdict for _, verdict in verdicts if isinstance(verdict, ScenarioError)]
    if not failed:
        print(f"{directory}: {len(verdicts)} scenarios, all valid")
        return 0
    for path, verdict in verdicts:
        if not isinstance(verdict, ScenarioError):
            print(f"{path}: valid")
    problems = [problem for verdict in failed for problem in verdict.problems]
    for problem in problems:
        print(problem, file=sys.stderr)
    count = len(problems)
    print(
        f"{count} problem{'s' if count != 1 else ''} found in {len(failed)} of {len(verdicts)} files", file=sys.stderr
    )
    return 1


def _serve(args: argparse.Namespace) -> int:
    from mockserver.server import bind_socket, serve

    if args.workers < 1:
        raise MockServerError(f"--workers must be at least 1, got {args.workers}")
    directory = args.scenarios or _default_scenarios()
    scenarios = load_scenarios(directory)
    config = ServerConfig(
        host=args.host,
        port=args.port,
        scenario_dir=directory,
        speed=args.speed,
        log_level=args.log_level,
        chaos=args.chaos,
        journal_max_requests=args.journal_max_requests,
        journal_max_bytes=args.journal_max_bytes,
        responses_max_bytes=args.responses_max_bytes,
        render_cache_max_bytes=args.render_cache_max_bytes,
        namespace_idle_timeout=args.namespace_idle_timeout,
        keep_alive_timeout=args.keep_alive_timeout,
    )
    sock = bind_socket(config.host, config.port)
    host = f"[{config.host}]" if ":" in config.host else config.host
    url = f"http://{host}:{sock.getsockname()[1]}"
    watching = " (watching for changes)" if args.watch else ""
    print(
        f"mockserver: serving {len(scenarios)} scenarios from {directory}{watching} on {url} "
        f"(OpenAI base URL {url}/v1)" + (f", chaos {args.chaos}" if args.chaos else ""),
        file=sys.stderr,
        flush=True,
    )
    with contextlib.suppress(KeyboardInterrupt):
        serve(config, scenarios, sock, watch=args.watch, workers=args.workers)
    return 0
