"""Scenario files: the model, the loader and the choice of scenario for a request."""

from mockserver.scenario.loader import (
    load_scenario_file,
    load_scenarios,
    scenario_from_data,
    scenario_from_text,
)
from mockserver.scenario.matching import select_scenario
from mockserver.scenario.model import Scenario, StopReason, Timing, Turn
from mockserver.scenario.readers import parse_duration

__all__ = [
    "Scenario",
    "StopReason",
    "Timing",
    "Turn",
    "load_scenario_file",
    "load_scenarios",
    "parse_duration",
    "scenario_from_data",
    "scenario_from_text",
    "select_scenario",
]
