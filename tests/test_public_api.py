"""The public surface is what `mockserver.__all__` names; changing it is a decision, not an accident."""

from __future__ import annotations

import mockserver


def test_public_names_are_pinned() -> None:
    assert sorted(mockserver.__all__) == [
        "Call",
        "Journal",
        "MockLLM",
        "MockServer",
        "MockServerError",
        "RequestError",
        "Requests",
        "Scenario",
        "ScenarioError",
        "ServerConfig",
        "ServerStartError",
        "UnknownScenarioError",
        "load_scenarios",
        "scenario_from_data",
        "scenario_from_text",
    ]


def test_every_public_name_exists() -> None:
    assert all(hasattr(mockserver, name) for name in mockserver.__all__)
