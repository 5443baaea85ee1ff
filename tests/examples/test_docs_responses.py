"""The Responses example in docs/responses.md, run as written so it cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).parents[2] / "docs" / "responses.md"


def test_the_responses_example_runs_as_written() -> None:
    (block,) = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    exec(compile(block, str(DOC), "exec"), {"__name__": "docs_responses"})  # noqa: S102
