"""The Responses example in docs/responses.md, run as written against the bundled scenarios."""

from __future__ import annotations

import re
from pathlib import Path

from mockserver import MockServer
from mockserver.config import BUNDLED_SCENARIOS

DOC = Path(__file__).parents[2] / "docs" / "responses.md"


def test_the_responses_example_runs_as_written() -> None:
    (block,) = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    with MockServer(BUNDLED_SCENARIOS, speed=1000) as server:
        code = block.replace("127.0.0.1:8000", f"127.0.0.1:{server.port}")
        exec(compile(code, str(DOC), "exec"), {"__name__": "docs_responses"})  # noqa: S102 - the doc is ours
