"""The Anthropic example in docs/anthropic.md runs as written against the bundled scenarios."""

from __future__ import annotations

import re
from pathlib import Path

from mockserver import MockServer
from mockserver.config import BUNDLED_SCENARIOS

DOC = Path(__file__).resolve().parents[2] / "docs" / "anthropic.md"
DOC_PORT = "127.0.0.1:8000"


def test_the_anthropic_example_runs_against_the_bundled_scenarios() -> None:
    (code,) = re.findall(r"^```python\n(.*?)^```", DOC.read_text(), re.M | re.S)
    assert "messages.stream" in code
    with MockServer(BUNDLED_SCENARIOS, speed=1000) as server:
        # The example asserts what it promises, so running it is the test.
        exec(compile(code.replace(DOC_PORT, f"127.0.0.1:{server.port}"), str(DOC), "exec"), {})  # noqa: S102
