"""The Anthropic example in docs/anthropic.md runs as written against the bundled scenarios."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mockserver import MockServer
from mockserver.config import BUNDLED_SCENARIOS

DOC = Path(__file__).resolve().parents[2] / "docs" / "anthropic.md"


def python_block(text: str) -> str:
    found = re.search(r"```python\n(.*?)```", text, re.DOTALL)
    assert found is not None, f"{DOC} has no python block"
    return found.group(1)


def test_the_anthropic_example_prints_what_its_comments_say(capsys: pytest.CaptureFixture[str]) -> None:
    code = python_block(DOC.read_text())
    with MockServer(BUNDLED_SCENARIOS, speed=20) as server:
        # The example is documentation, so it is run exactly as a reader would paste it.
        exec(code.replace("http://127.0.0.1:8000", server.url), {})  # noqa: S102
    printed = capsys.readouterr().out.splitlines()
    promised = re.findall(r"^print\(.*\)  # (.*)$", code, re.MULTILINE)
    assert len(promised) == 3
    assert printed[:3] == promised
    assert int(printed[3]) > 0
