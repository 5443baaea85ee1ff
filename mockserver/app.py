"""The Starlette application: every API route, at the root and under each namespace, and the
ASGI entry point that sends hot POSTs straight to their endpoint."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from mockserver.compiled import TurnCache
from mockserver.config import ServerConfig
from mockserver.control import LISTING as CONTROL_LISTING, control_routes
from mockserver.dialects import DIALECTS
from mockserver.dialects.base import Dialect
from mockserver.direct import DirectStream
from mockserver.endpoint import (
    DECIDED,
    RAW_SEND,
    Answer,
    DialectEndpoint,
    JsonEndpoint,
    StreamAnswer,
    check_size,
    new_nonce,
)
from mockserver.errors import RequestError
from mockserver.journal import Call, Journal
from mockserver.namespaces import Namespaces, namespace_of
from mockserver.pacer import clock
from mockserver.response_store import ResponseStore
from mockserver.scenario.loader import chaos_from_text
from mockserver.scenario.model import Scenario
from mockserver.state import ServerState
from mockserver.types import Receive, Scope, Send


def _models(state: ServerState) -> Route:
    async def list_models(request: Request) -> Response:
        names = sorted(state.namespaces.get(namespace_of(request.scope)).visible(state.scenarios))
        if "anthropic-version" in request.headers:
            data = [
                {
                    "type": "model",
                    "id": name,
                    "display_name": name,
                    "created_at": "2025-01-01T00:00:00Z",
                    "lifecycle": "active",
                }
                for name in names
            ]
            return JSONResponse(
                {
                    "data": data,
                    "has_more": False,
                    "first_id": names[0] if names else None,
                    "last_id": names[-1] if names else None,
                }
            )
        models = [{"id": name, "object": "model", "created": 1_735_689_600, "owned_by": "mockserver"} for name in names]
        return JSONResponse({"object": "list", "data": models})

    return Route("/v1/models", list_models, methods=["GET"])


def _stored_responses(dialect: Dialect, state: ServerState) -> Route:
    """`GET` and `DELETE <path>/{id}` for a dialect whose API keeps what it answers."""

    async def stored(request: Request) -> Response:
        response_id = request.path_params["response_id"]
        headers = {dialect.request_id_header: f"req_{new_nonce()}"}
        found = state.responses.get(response_id)
        if found is None:
            error = RequestError(f"Response with id '{response_id}' not found.", status=404, param="response_id")
            return JSONResponse(dialect.render_error(error), status_code=404, headers=headers)
        if request.method == "DELETE":
            state.responses.drop(response_id)
            return JSONResponse({"id": response_id, "object": "response.deleted", "deleted": True}, headers=headers)
        return Response(found.body, media_type="application/json", headers=headers)

    return Route(f"{dialect.path}/{{response_id}}", stored, methods=["GET", "DELETE"])


def _dialect_of_unknown_url(request: Request) -> Dialect | None:
    """Whose client sent a request to a URL mockserver does not serve: the dialect whose path it
    extends (`/v1/messages/batches`), else Anthropic's when its version header is there."""
    path = request.url.path[len(request.scope.get("root_path", "")) :]
    for dialect in DIALECTS:
        if path.startswith(dialect.path + "/"):
            return dialect
    if path.startswith("/v1/complete") or "anthropic-version" in request.headers:
        return next(d for d in DIALECTS if d.name == "anthropic_messages")
    return None


async def _not_found(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 404)
    if status == 405:
        message = f"Method {request.method} is not allowed on {request.url.path}."
    elif "/_mock" in request.url.path:
        message = f"Unknown control URL: {request.method} {request.url.path}. The control API serves {CONTROL_LISTING}."
    else:
        message = f"Unknown request URL: {request.method} {request.url.path}. mockserver serves " + ", ".join(
            f"POST {d.path}" for d in DIALECTS
        )
    code = "method_not_allowed" if status == 405 else "unknown_url"
    dialect = None if "/_mock" in request.url.path else _dialect_of_unknown_url(request)
    if dialect is not None:
        kind = "invalid_request_error" if status == 405 else "not_found_error"
        error = RequestError(message, status=status, kind=kind, code=code)
        return JSONResponse(dialect.render_error(error), status_code=status)
    return JSONResponse(
        {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}},
        status_code=status,
    )


class MockApp:
    """The ASGI entry point. It hands the server's own `send` down to the streaming endpoints,
    because the transport needs the connection behind it to see disconnects and send RST."""

    def __init__(self, state: ServerState) -> None:
        self.state = state
        self._posts = {d.path: DialectEndpoint(d, state) for d in DIALECTS}
        # Every API route is also served under /_ns/<name>, so each test can have a base URL of its own.
        api: list[BaseRoute] = [
            *(Route(path, endpoint) for path, endpoint in self._posts.items()),
            *(Route(path, JsonEndpoint(d, state, answer)) for d in DIALECTS for path, answer in d.json_endpoints),
            *(_stored_responses(d, state) for d in DIALECTS if d.response_id is not None),
            _models(state),
        ]
        control = Mount("/_mock", routes=control_routes(state))
        routes: list[BaseRoute] = [*api, control, Mount("/_ns/{namespace}", routes=[*api, control])]
        self.starlette = Starlette(routes=routes, exception_handlers={404: _not_found, 405: _not_found})

    def serves_directly(self, path: str) -> bool:
        """Whether a POST to `path` may be answered by `serve_direct`."""
        return path in self._posts

    def serve_direct(self, scope: Scope, body: bytes, cycle: Any) -> DirectStream | None:
        """Answer a whole POST to an API path at once, if its answer is a clean stream, on the
        server's request cycle; the stream if so. Otherwise the decision, made, waits in the
        scope for the ASGI path, so nothing is journaled or counted twice."""
        clock().run_due()
        endpoint = self._posts[scope["path"]]
        arrival = endpoint.arrive(scope)
        answer: Answer | Exception
        try:
            endpoint.check(scope, arrival)
            check_size(len(body))
            answer = endpoint.decide(scope, arrival, body)
        except Exception as exc:
            answer = exc
        if isinstance(answer, StreamAnswer) and answer.clean:
            try:
                stream = DirectStream(
                    cycle,
                    status=answer.status,
                    headers=answer.headers,
                    actions=answer.actions,
                    speed=answer.speed,
                    call=arrival.call,
                    finished=self.state.journal.finish,
                    failed=self._direct_failed,
                )
            except Exception as exc:
                # Nothing has been written yet: the ASGI path answers the failure as a 500.
                answer = exc
            else:
                arrival.call.status = answer.status
                stream.tick()
                return stream
        scope[DECIDED] = (arrival, answer)
        return None

    def _direct_failed(self, call: Call, exc: Exception) -> None:
        call.error = f"{type(exc).__name__}: {exc}"
        self.state.fail(call.namespace, exc, f"{call.method} {call.path}")
        self.state.journal.finish(call)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Streams already running keep their timing however many requests arrive at once.
        clock().run_due()
        http = scope["type"] == "http"
        # A POST to an API path needs nothing of Starlette's routing and middleware, which
        # cost a tenth of a short stream; the endpoint answers every error itself.
        endpoint = self._posts.get(scope["path"]) if http and scope["method"] == "POST" else None
        try:
            if endpoint is not None:
                await endpoint(scope, receive, send)
                return
            if http:
                scope[RAW_SEND] = send
            await self.starlette(scope, receive, send)
        except Exception as exc:
            # Starlette has already answered 500 if it still could; keep the error for check().
            self.state.fail(namespace_of(scope), exc, f"{scope.get('method', '')} {scope.get('path', '')}".strip())
        finally:
            # The server's cycle holds the scope; its send in the scope would close a reference
            # cycle per request, left for the garbage collector.
            scope.pop(RAW_SEND, None)


def create_app(config: ServerConfig, scenarios: Mapping[str, Scenario], journal: Journal | None = None) -> MockApp:
    return MockApp(
        ServerState(
            config=config,
            scenarios=scenarios,
            journal=journal if journal is not None else Journal(config.journal_max_requests, config.journal_max_bytes),
            cache=TurnCache(max_bytes=config.render_cache_max_bytes),
            responses=ResponseStore(max_bytes=config.responses_max_bytes),
            namespaces=Namespaces(idle_timeout=config.namespace_idle_timeout),
            chaos=chaos_from_text(config.chaos) if config.chaos else None,
        )
    )
