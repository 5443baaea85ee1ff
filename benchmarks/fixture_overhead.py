"""What the `mock_llm` fixture adds to a test, after the first: `python benchmarks/fixture_overhead.py`.

Runs the same parametrized test twice in-process (with and without the fixture) and sums each
test's setup + call + teardown as pytest reports them. The first test is left out of both: it
pays for starting the session's server once.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import pytest

from mockserver import MockServer
from mockserver.config import BUNDLED_SCENARIOS

N = 200
BODIES = {
    "plain": "def test_x(n):\n    pass\n",
    "mock_llm": "def test_x(mock_llm, n):\n    pass\n",
    "mock_llm + use(yaml)": "def test_x(mock_llm, n):\n    mock_llm.use('turns: [\"hi\"]')\n",
}


class Durations:
    def __init__(self) -> None:
        self.per_test: dict[str, float] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.per_test[report.nodeid] = self.per_test.get(report.nodeid, 0.0) + report.duration


def run(index: int, body: str) -> tuple[float, list[float]]:
    """The first test's duration, and those of the tests between the first and the last."""
    with tempfile.TemporaryDirectory() as folder:
        # A distinct module name per run: pytest refuses to re-import one from another path.
        path = Path(folder) / f"test_overhead_{index}.py"
        path.write_text(f"import pytest\n\n@pytest.mark.parametrize('n', range({N}))\n{body}")
        durations = Durations()
        code = pytest.main([str(path), "-q", "-p", "no:cacheprovider"], plugins=[durations])
        if code != 0:
            sys.exit(f"the generated tests failed ({code})")
        values = list(durations.per_test.values())
        return values[0], values[1:-1]


def main() -> None:
    results = {name: run(index, body)[1] for index, (name, body) in enumerate(BODIES.items())}
    base = statistics.median(results["plain"])
    print(f"\n{N} tests each; per test, session start and stop left out (median / mean, ms):")
    for name, values in results.items():
        median, mean = statistics.median(values) * 1000, statistics.mean(values) * 1000
        extra = (statistics.median(values) - base) * 1000
        print(f"  {name:<22} {median:6.3f} / {mean:6.3f}   fixture cost {extra:+.3f} ms")
    started = time.perf_counter()
    server = MockServer(BUNDLED_SCENARIOS if BUNDLED_SCENARIOS.is_dir() else None).start()
    elapsed = (time.perf_counter() - started) * 1000
    print(f"once per session: loading the scenario folder and starting the server took {elapsed:.1f} ms")
    server.stop()


if __name__ == "__main__":
    main()
