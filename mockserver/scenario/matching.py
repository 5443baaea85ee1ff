"""Which scenario answers a request: header, then model name, then `match`, then `default`."""

from __future__ import annotations

from collections.abc import Mapping

from mockserver.errors import RequestError
from mockserver.scenario.model import Scenario

SCENARIO_HEADER = "x-mock-scenario"
DEFAULT_SCENARIO = "default"


def select_scenario(scenarios: Mapping[str, Scenario], *, header: str | None, model: str, prompt: str) -> Scenario:
    """First that applies wins; a name that does not exist is the client's mistake (404)."""
    if header:
        found = scenarios.get(header)
        if found is None:
            raise _unknown(scenarios, header, f"header {SCENARIO_HEADER!r}")
        return found
    found = scenarios.get(model)
    if found is not None:
        return found
    for scenario in scenarios.values():
        if scenario.match is not None and scenario.match.fits(model, prompt):
            return scenario
    found = scenarios.get(DEFAULT_SCENARIO)
    if found is not None:
        return found
    raise _unknown(scenarios, model, "model")


def _unknown(scenarios: Mapping[str, Scenario], name: str, source: str) -> RequestError:
    available = ", ".join(sorted(scenarios)) or "(none loaded)"
    return RequestError(
        f"No scenario named {name!r} (from the {source}), no scenario's 'match' fits the request, and there is no "
        f"'{DEFAULT_SCENARIO}' scenario. Available scenarios: {available}.",
        status=404,
        kind="not_found_error",
        param="model",
        code="scenario_not_found",
    )
