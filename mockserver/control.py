"""The control API under `/_mock/`: what the pytest fixture does in-process, over HTTP.

It is mounted at `/_mock` for the default namespace and at `/_ns/<name>/_mock` for namespace
`<name>`, so a client in any language appends `/_mock/...` to the base URL it gives its SDK.
JSON in and out; every mistake is a 4xx with `{"error": {"message", "type"}}`, never a 500.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from mockserver.errors import ScenarioError, UnknownScenarioError
from mockserver.json_body import BodyError, parse_json
from mockserver.namespaces import INLINE, Namespace, ScenarioSpec, named, namespace_of, resolve_scenario
from mockserver.scenario.loader import SCENARIO_NAME
from mockserver.scenario.model import Scenario
from mockserver.types import JSONObject, JSONValue

if TYPE_CHECKING:
    from mockserver.state import ServerState

MAX_CONTROL_BODY = 1024 * 1024
MAX_WAIT = 10.0

Handler = Callable[[Request, "ServerState", Namespace], Awaitable[JSONObject]]


class ControlError(Exception):
    def __init__(self, status: int, kind: str, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.status, self.kind, self.message, self.problems = status, kind, message, problems


def _error(error: ControlError) -> Response:
    body: JSONObject = {"message": error.message, "type": error.kind}
    if error.problems is not None:
        body["problems"] = list(error.problems)
    return JSONResponse({"error": body}, status_code=error.status)


def summary(scenario: Scenario) -> JSONObject:
    return {
        "name": scenario.name,
        "description": scenario.description,
        "turns": len(scenario.turns),
        "source": scenario.source,
    }


def _state(state: ServerState, ns: Namespace) -> JSONObject:
    attempts: list[JSONValue] = [
        {"scenario": scenario, "turn": turn, "count": count} for (scenario, turn), count in sorted(ns.attempts.items())
    ]
    own: list[JSONValue] = [*sorted(ns.scenarios or {})]
    return {
        "namespace": ns.name,
        "scenario": None if ns.pinned is None else summary(ns.pinned),
        "scenarios": own,
        "speed": ns.speed or state.config.speed,
        "requests": len(state.journal.calls(ns.name)),
        "evicted": state.journal.evicted(ns.name),
        "attempts": attempts,
    }


async def _text(request: Request) -> str:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_CONTROL_BODY:
            raise ControlError(413, "request_too_large", f"The body exceeds {MAX_CONTROL_BODY} bytes.")
        chunks.append(chunk)
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ControlError(400, "invalid_body", f"The body is not UTF-8 text: {exc}.") from None


async def _scenario_spec(request: Request) -> ScenarioSpec:
    """The body is what `mock_llm.use()` takes: a scenario name, or a scenario as YAML or JSON."""
    text = await _text(request)
    if not text.strip():
        raise ControlError(400, "invalid_body", "Send a scenario name, or a scenario document as YAML or JSON.")
    if "json" not in request.headers.get("content-type", ""):
        return text
    try:
        value = parse_json(text)
    except BodyError as exc:
        raise ControlError(400, "invalid_json", f"The body is not valid JSON: {exc}.") from None
    if isinstance(value, str | dict):
        return value
    raise ControlError(400, "invalid_body", "Expected a scenario name (a JSON string) or a scenario (a JSON object).")


def _name(request: Request, default: str) -> str:
    name = request.path_params.get("name") or request.query_params.get("name") or default
    if not SCENARIO_NAME.match(name):
        raise ControlError(400, "invalid_name", f"Invalid scenario name {name!r}: use letters, digits, '.', '_', '-'.")
    return str(name)


async def get_namespace(request: Request, state: ServerState, ns: Namespace) -> JSONObject:
    return _state(state, ns)


async def delete_namespace(request: Request, state: ServerState, ns: Namespace) -> JSONObject:
    """Forget the namespace and all it kept; the next request to it starts a fresh one."""
    return {"namespace": ns.name, "deleted": True, "requests": state.delete(ns.name)}


async def reset(request: Request, state: ServerState, ns: Namespace) -> JSONObject:
    state.reset(ns)
    return _state(state, ns)


async def list_scenarios(request: Request, state: ServerState, ns: Namespace) -> JSONObject:
    visible = ns.visible(state.scenarios)
    return {"scenarios": [summary(visible[name]) for name in sorted(visible)]}


async def get_pinned(request: Request, state: ServerState, ns: Namespace) -> JSONObject:
    return {"scenario": None if ns.pinned is None else summary(ns.pinned)}


async def pin(request: Request, state: ServerState, ns: Namespace) -> JSONObject:
    spec = await _scenario_spec(request)
    chosen = resolve_scenario(spec, ns.visible(state.scenarios), name=_name(request, INLINE))
    ns.pin(chosen)
    return {"scenario": summary(chosen)}


async def unpin(request: Request, state: ServerState, ns: Namespace) -> JSONObject:
    ns.pin(None)
    return {"scenario": None}


async def add_scenario(request: Request, state: ServerState, ns: Namespace) -> JSONObject:
    name = _name(request, INLINE)
    scenario = named(resolve_scenario(await _scenario_spec(request), ns.visible(state.scenarios), name=name), name)
    ns.add(scenario)
    return {"scenario": summary(scenario)}


async def set_speed(request: Request, state: ServerState, ns: Namespace) -> JSONObject:
    text = await _text(request)
    try:
        value = parse_json(text)
    except BodyError:
        value = None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0 or math.isinf(value):
        raise ControlError(
            400, "invalid_speed", f"Expected a number greater than 0 such as 2 or 0.5, got {text[:40]!r}."
        )
    ns.speed = float(value)
    return {"speed": ns.speed}


async def reset_speed(request: Request, state: ServerState, ns: Namespace) -> JSONObject:
    ns.speed = None
    return {"speed": state.config.speed}


async def get_requests(request: Request, state: ServerState, ns: Namespace) -> JSONObject:
    """`?wait=` seconds (default 1) lets requests in flight finish first, as the fixture's `requests` does;
    `evicted` counts the older requests the journal dropped to stay within its bounds."""
    raw = request.query_params.get("wait", "1")
    try:
        wait = float(raw)
    except ValueError:
        raise ControlError(400, "invalid_wait", f"wait must be a number of seconds, got {raw!r}.") from None
    if not 0 <= wait <= MAX_WAIT:
        raise ControlError(400, "invalid_wait", f"wait must be between 0 and {MAX_WAIT:g} seconds, got {raw!r}.")
    # The journal's wait blocks, so it runs off the event loop that is finishing those requests.
    settled = await asyncio.to_thread(state.journal.settle, ns.name, wait)
    dialect = request.query_params.get("dialect")
    calls = [c for c in state.journal.calls(ns.name) if dialect is None or c.dialect == dialect]
    return {"requests": [c.to_json() for c in calls], "settled": settled, "evicted": state.journal.evicted(ns.name)}


async def clear_requests(request: Request, state: ServerState, ns: Namespace) -> JSONObject:
    count = len(state.journal.calls(ns.name))
    state.journal.clear(ns.name)
    return {"cleared": count}


async def reset_attempts(request: Request, state: ServerState, ns: Namespace) -> JSONObject:
    ns.reset_attempts()
    return {"attempts": []}


def _endpoint(state: ServerState, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            return JSONResponse(await handler(request, state, state.namespaces.get(namespace_of(request.scope))))
        except ControlError as error:
            return _error(error)
        except UnknownScenarioError as exc:
            return _error(ControlError(404, "scenario_not_found", str(exc)))
        except ScenarioError as exc:
            problems = [str(p) for p in exc.problems]
            return _error(ControlError(422, "invalid_scenario", "The scenario is invalid: " + problems[0], problems))

    return endpoint


ROUTES: tuple[tuple[str, str, Handler], ...] = (
    ("/namespace", "GET", get_namespace),
    ("/namespace", "DELETE", delete_namespace),
    ("/reset", "POST", reset),
    ("/scenarios", "GET", list_scenarios),
    ("/scenarios/{name}", "PUT", add_scenario),
    ("/scenario", "GET", get_pinned),
    ("/scenario", "PUT", pin),
    ("/scenario", "DELETE", unpin),
    ("/speed", "PUT", set_speed),
    ("/speed", "DELETE", reset_speed),
    ("/requests", "GET", get_requests),
    ("/requests", "DELETE", clear_requests),
    ("/attempts", "DELETE", reset_attempts),
)
LISTING = ", ".join(f"{method} /_mock{path}" for path, method, _ in ROUTES)


def control_routes(state: ServerState) -> list[BaseRoute]:
    by_path: dict[str, dict[str, Handler]] = {}
    for path, method, handler in ROUTES:
        by_path.setdefault(path, {})[method] = handler
    return [_route(state, path, handlers) for path, handlers in by_path.items()]


def _route(state: ServerState, path: str, handlers: dict[str, Handler]) -> Route:
    endpoints = {method: _endpoint(state, handler) for method, handler in handlers.items()}

    async def dispatch(request: Request) -> Response:
        # Starlette adds HEAD to every GET route.
        return await endpoints["GET" if request.method == "HEAD" else request.method](request)

    return Route(path, dispatch, methods=list(handlers))
