"""mockserver: scripted, realistic LLM API streams for offline development and testing."""

from mockserver.config import ServerConfig
from mockserver.errors import MockServerError, RequestError, ScenarioError, ServerStartError
from mockserver.journal import Call, Journal
from mockserver.scenario import Scenario, load_scenarios, scenario_from_data, scenario_from_text
from mockserver.server import MockServer

__all__ = [
    "Call",
    "Journal",
    "MockServer",
    "MockServerError",
    "RequestError",
    "Scenario",
    "ScenarioError",
    "ServerConfig",
    "ServerStartError",
    "load_scenarios",
    "scenario_from_data",
    "scenario_from_text",
]
