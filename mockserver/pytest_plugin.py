"""The pytest plugin: one in-process server per session (per xdist worker), one namespace per test.

`mock_llm` costs no request and no thread: it names a fresh namespace on the shared server,
so a test's scenario, speed, counters and journal are its own even when tests run in parallel.
Registered through the `pytest11` entry point, so installing mockserver is enough.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mockserver import MockLLM, MockServer
from mockserver.config import BUNDLED_SCENARIOS, parse_size

MARKER = "mock_llm"
MARKER_HELP = (
    "mock_llm(scenario=None, speed=None): the scenario for this test's mock_llm (a name from the scenario "
    "folder, YAML text or a mapping) and the speed its scripted time runs at"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mock_llm", "mockserver (mock LLM API server)")
    group.addoption(
        "--mock-llm-scenarios",
        dest="mock_llm_scenarios",
        default=None,
        metavar="DIR",
        help="scenario folder for the mock_llm fixture (default: ini mock_llm_scenarios, else the bundled one)",
    )
    group.addoption(
        "--mock-llm-speed",
        dest="mock_llm_speed",
        type=float,
        default=None,
        metavar="FACTOR",
        help="divide all scripted time by this, e.g. 10 (default: ini mock_llm_speed, else 1)",
    )
    group.addoption(
        "--mock-llm-journal-max-bytes",
        dest="mock_llm_journal_max_bytes",
        default=None,
        metavar="SIZE",
        help="bytes of request bodies the session's journal keeps, e.g. 64MB (default: ini, else 256MB)",
    )
    group.addoption(
        "--mock-llm-journal-max-requests",
        dest="mock_llm_journal_max_requests",
        default=None,
        metavar="N",
        help="requests the session's journal keeps (default: ini, else 10000)",
    )
    parser.addini("mock_llm_scenarios", "scenario folder for the mock_llm fixture, relative to the ini file")
    parser.addini("mock_llm_speed", "divide all scripted time by this in mock_llm tests", default="1")
    parser.addini("mock_llm_journal_max_bytes", "bytes of request bodies the journal keeps", default="256MB")
    parser.addini("mock_llm_journal_max_requests", "requests the journal keeps", default="10000")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)


@pytest.fixture(scope="session")
def mock_llm_scenarios(pytestconfig: pytest.Config) -> Path | None:
    """The folder the session's server loads; override this fixture to choose one in code."""
    option = pytestconfig.getoption("mock_llm_scenarios")
    if option:
        return pytestconfig.invocation_params.dir / str(option)
    ini = pytestconfig.getini("mock_llm_scenarios")
    if ini:
        base = pytestconfig.inipath.parent if pytestconfig.inipath is not None else pytestconfig.rootpath
        return base / str(ini)
    return BUNDLED_SCENARIOS if BUNDLED_SCENARIOS.is_dir() else None


@pytest.fixture(scope="session")
def mock_llm_server(pytestconfig: pytest.Config, mock_llm_scenarios: Path | None) -> Iterator[MockServer]:
    """The session's server, shared by every `mock_llm` in this process."""
    with MockServer(
        scenarios=mock_llm_scenarios,
        speed=_speed(pytestconfig),
        journal_max_bytes=_bound(pytestconfig, "mock_llm_journal_max_bytes", parse_size),
        journal_max_requests=_bound(pytestconfig, "mock_llm_journal_max_requests", int),
    ) as server:
        yield server
        server.check()


@pytest.fixture
def mock_llm(mock_llm_server: MockServer, request: pytest.FixtureRequest) -> Iterator[MockLLM]:
    """This test's own namespace on the shared server; errors the server hit serving it fail the test."""
    handle = mock_llm_server.namespace()
    marker = request.node.get_closest_marker(MARKER)
    if marker is not None:
        _apply(handle, marker)
    try:
        yield handle
        handle.check()
    finally:
        handle.close()


def _speed(config: pytest.Config) -> float:
    option = config.getoption("mock_llm_speed")
    raw = option if option is not None else config.getini("mock_llm_speed")
    try:
        speed = float(raw)
    except ValueError:
        speed = 0.0
    if not speed > 0:
        raise pytest.UsageError(f"mock_llm speed must be a number greater than 0, such as 10 or 0.5; got {raw!r}")
    return speed


def _bound(config: pytest.Config, name: str, parse: Callable[[str], int]) -> int:
    option = config.getoption(name)
    raw = str(option if option is not None else config.getini(name))
    try:
        value = parse(raw)
    except ValueError:
        value = 0
    if value < 1:
        flag = "--" + name.replace("_", "-")
        raise pytest.UsageError(f"{flag} (ini {name}) must be at least 1, such as 10000 or 64MB; got {raw!r}")
    return value


def _apply(handle: MockLLM, marker: pytest.Mark) -> None:
    options = dict(marker.kwargs)
    if marker.args:
        if len(marker.args) > 1 or "scenario" in options:
            pytest.fail("@pytest.mark.mock_llm takes one scenario: mock_llm('name') or mock_llm(scenario=...)")
        options["scenario"] = marker.args[0]
    unknown = set(options) - {"scenario", "speed"}
    if unknown:
        pytest.fail(f"@pytest.mark.mock_llm got unknown option(s) {sorted(unknown)}; it takes scenario and speed")
    if options.get("scenario") is not None:
        handle.use(options["scenario"])
    if options.get("speed") is not None:
        handle.speed = options["speed"]
