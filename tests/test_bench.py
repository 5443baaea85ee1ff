"""`mockserver bench` end to end, for about a second: it runs and its figures are sane.

Real throughput is measured by `make bench`, never here; these bounds only catch a broken
tool (nothing served, events miscounted, memory not read).
"""

from __future__ import annotations

import pytest

from mockserver.cli import main

EVENTS_PER_STREAM = 103  # role, 100 content deltas, finish, [DONE]


def row(output: str, target: str) -> list[str]:
    line = next(line for line in output.splitlines() if line.startswith(f"| {target} |"))
    return [cell.strip() for cell in line.strip("|").split("|")]


def number(cell: str) -> float:
    return float(cell.split()[0].replace(",", ""))


def test_bench_serves_streams_and_reports_sane_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--duration", "1", "--connections", "4"]) == 0
    cells = row(capsys.readouterr().out, "mockserver")
    _target, _held, streams, events, first_byte, _gap, errors, rss, _per_stream = cells
    assert number(streams) > 20
    assert number(events) == pytest.approx(number(streams) * EVENTS_PER_STREAM, rel=0.01)
    assert 0 < number(first_byte) < 1000
    assert errors == "0"
    assert 1 < number(rss) < 1000


def test_bench_names_an_unknown_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--scenario", "nope", "--duration", "1"]) == 1
    assert "no scenario named 'nope'" in capsys.readouterr().err
