"""Shared fixtures: a server per test worker, scenarios given inline as YAML, pure-test helpers."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator

import anthropic
import openai
import pytest

from mockserver import MockLLM, MockServer, scenario_from_text
from mockserver.events import Script, script_for
from mockserver.scenario.model import Scenario

pytest_plugins = ["pytester"]

ServeFn = Callable[..., MockServer]
Target = MockServer | MockLLM


def scenario(yaml_text: str, name: str = "default") -> Scenario:
    """An inline scenario: tests keep the YAML next to the assertions about it."""
    return scenario_from_text(textwrap.dedent(yaml_text), name)


def script(yaml_text: str, turn: int = 0) -> Script:
    return script_for(scenario(yaml_text).turns[turn])


@pytest.fixture(scope="session")
def shared_server() -> Iterator[MockServer]:
    with MockServer() as server:
        yield server


@pytest.fixture
def serve(shared_server: MockServer) -> Iterator[ServeFn]:
    """`serve(yaml)` loads an inline scenario as `default` on the worker's server and returns it."""

    def load(yaml_text: str | None = None, /, **named: str) -> MockServer:
        scenarios = {name: scenario(text, name) for name, text in named.items()}
        if yaml_text is not None:
            scenarios["default"] = scenario(yaml_text)
        shared_server.set_scenarios(scenarios)
        shared_server.journal.clear()
        return shared_server

    yield load
    shared_server.set_scenarios({})


class Clients:
    """Official SDK clients in strict mode, closed after the test so no socket outlives it."""

    def __init__(self) -> None:
        self._open: list[openai.OpenAI | anthropic.Anthropic] = []

    def openai(self, server: Target, **options: object) -> openai.OpenAI:
        options.setdefault("max_retries", 0)
        sdk = openai.OpenAI(
            base_url=server.openai_base_url,
            api_key="test-key",
            _strict_response_validation=True,
            **options,  # type: ignore[arg-type]
        )
        self._open.append(sdk)
        return sdk

    def anthropic(self, server: Target, **options: object) -> anthropic.Anthropic:
        options.setdefault("max_retries", 0)
        sdk = anthropic.Anthropic(
            base_url=server.base_url,
            api_key="test-key",
            _strict_response_validation=True,
            **options,  # type: ignore[arg-type]
        )
        self._open.append(sdk)
        return sdk

    def close(self) -> None:
        for sdk in self._open:
            sdk.close()


@pytest.fixture
def clients() -> Iterator[Clients]:
    made = Clients()
    yield made
    made.close()
