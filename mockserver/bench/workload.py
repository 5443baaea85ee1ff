"""What the benchmark asks for: the request per API, and the standard scenarios and matrix.

The standard stream is a Chat answer of 400 characters in 100 content events, the size of a
typical short reply; the three pacings are the three questions a user asks of a mock: how many
streams per second at full speed, whether thousands of slow streams keep their timing, and
whether fast pacing stays true under load.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

# API name → (path, a minimal streaming request body that every dialect of that API accepts).
APIS: dict[str, tuple[str, dict[str, object]]] = {
    "chat": (
        "/v1/chat/completions",
        {"model": "bench", "stream": True, "messages": [{"role": "user", "content": "Tell me something."}]},
    ),
    "messages": (
        "/v1/messages",
        {
            "model": "bench",
            "stream": True,
            "max_tokens": 1024,
            "messages": [{"role": "user", "content": "Tell me something."}],
        },
    ),
    "responses": ("/v1/responses", {"model": "bench", "stream": True, "input": "Tell me something."}),
}

ANSWER = ("Streams are measured end to end: request, headers, every event and the final one. " * 6)[:400]


# The credentials each API's clients send; mockserver checks that they are there, not what they are.
API_HEADERS: dict[str, dict[str, str]] = {
    "chat": {"Authorization": "Bearer bench"},
    "messages": {"x-api-key": "bench", "anthropic-version": "2023-06-01"},
    "responses": {"Authorization": "Bearer bench"},
}


def request_body(api: str) -> tuple[str, bytes, dict[str, str]]:
    """Path, JSON body and headers of the benchmark's request to `api`."""
    path, body = APIS[api]
    return path, json.dumps(body, separators=(",", ":")).encode(), API_HEADERS[api]


def bench_scenario(tokens_per_second: float | None) -> str:
    """YAML for the standard stream: 100 content events of 4 characters each."""
    timing = f"timing:\n  tokens_per_second: {tokens_per_second}\n" if tokens_per_second else ""
    return f"{timing}turns:\n  - text: {json.dumps(ANSWER)}\n    chunk: 4\n"


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    """One row of the matrix: a scenario held at a load, with the target it must meet."""

    key: str
    title: str
    scenario: str
    connections: int
    requests_per_connection: int
    duration: float
    goal: str


def matrix_cases(scale: float = 1.0) -> tuple[Case, ...]:
    """The three standard targets; `scale` shrinks the loads for a quick look."""
    held = max(1, int(5000 * scale))
    fast = max(1, int(1000 * scale))
    return (
        Case(
            key="throughput",
            title="zero-delay streams/s, 16 connections",
            scenario="bench-zero-delay",
            connections=16,
            requests_per_connection=1 << 62,
            duration=max(1.0, 5.0 * scale),
            goal="≥ 6,000 streams/s and ≥ 65 % of the grouped ceiling",
        ),
        Case(
            key="held",
            title=f"{held:,} streams held, an event every 100 ms",
            scenario="bench-100ms",
            connections=held,
            requests_per_connection=1,
            duration=float("inf"),
            goal="gap p99 ≤ 120 ms, first byte p99 ≤ 500 ms",
        ),
        Case(
            key="paced",
            title=f"{fast:,} streams, 20 ms gaps",
            scenario="bench-20ms",
            connections=fast,
            requests_per_connection=1,
            duration=float("inf"),
            goal="gap p99 ≤ 25 ms",
        ),
    )


def write_scenarios(directory: Path) -> Path:
    """The standard scenarios as files, so the server under test loads them like any user's."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, tps in (("bench-zero-delay", None), ("bench-100ms", 10.0), ("bench-20ms", 50.0)):
        (directory / f"{name}.yaml").write_text(bench_scenario(tps))
    return directory
