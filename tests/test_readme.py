"""The README's examples run: python blocks against `mockserver serve`, YAML blocks through the loader."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import anthropic
import openai
import pytest

from mockserver import MockServer, scenario_from_text
from mockserver.config import BUNDLED_SCENARIOS

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.M | re.S)
README_PORT = "127.0.0.1:8000"


def blocks(language: str) -> list[str]:
    return [body for lang, body in BLOCK.findall(README.read_text()) if lang == language]


def client_examples() -> list[str]:
    return [b for b in blocks("python") if README_PORT in b]


@pytest.fixture(scope="module")
def bundled_server() -> object:
    with MockServer(BUNDLED_SCENARIOS, speed=1000) as server:
        yield server


@pytest.mark.parametrize("example", client_examples(), ids=lambda b: b.splitlines()[0])
def test_readme_client_example_runs_against_the_bundled_scenarios(example: str, bundled_server: MockServer) -> None:
    code = example.replace(README_PORT, f"127.0.0.1:{bundled_server.port}")
    namespace: dict[str, object] = {}
    try:
        exec(compile(code, str(README), "exec"), namespace)  # noqa: S102 - the README is ours
    finally:
        # The examples leave their clients open, as a short script may; a test must not, or a
        # later test meets the unclosed socket when the collector finds it.
        for value in namespace.values():
            if isinstance(value, openai.OpenAI | anthropic.Anthropic):
                value.close()


@pytest.mark.parametrize("example", [b for b in blocks("yaml") if "turns:" in b], ids=lambda b: b.splitlines()[0])
def test_readme_scenario_example_is_a_valid_scenario(example: str) -> None:
    assert scenario_from_text(textwrap.dedent(example), "example").turns


def test_readme_has_an_example_per_dialect() -> None:
    joined = "\n".join(client_examples())
    assert "chat.completions" in joined
    assert "messages.stream" in joined
    assert "responses.stream" in joined
