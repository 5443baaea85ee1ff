"""mockserver: scripted, realistic LLM API streams for offline development and testing."""

from mockserver.config import ServerConfig
from mockserver.errors import MockServerError, RequestError, ScenarioError, ServerStartError, UnknownScenarioError
from mockserver.handle import MockLLM, Requests
from mockserver.journal import Call, Journal
from mockserver.scenario import Scenario, load_scenarios, scenario_from_data, scenario_from_text
from mockserver.server import MockServer

__all__ = [
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
