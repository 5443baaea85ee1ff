"""The request pipeline, one endpoint per dialect path.

request → dialect parse → scenario turn → compiled frames → plan → transport. Client mistakes
become the dialect's own error body; nothing a client sends produces a 500.

Deciding the answer is synchronous (`decide`), carrying it out is not (`__call__`): so a server
that already holds the whole request can decide at once and run a clean stream on timer
callbacks alone (direct.py), handing everything else to the ASGI path with the decision made.
"""

from __future__ import annotations

import contextlib
import functools
import json
import random
import string
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from mockserver import transport
from mockserver.answers import response_headers, send_answer, send_refusal
from mockserver.chaos import pick
from mockserver.compiled import Filler, output_tokens
from mockserver.dialects.base import Dialect, ParsedRequest
from mockserver.errors import RequestError
from mockserver.faults import FaultAt, place, plan_faults, refusal_for
from mockserver.journal import Call, redact_credentials
from mockserver.json_body import BodyError, parse_json
from mockserver.namespaces import namespace_of
from mockserver.plan import Action, CleanPlan, keep_alive, split_writes
from mockserver.response_store import StoredResponse
from mockserver.scenario.matching import SCENARIO_HEADER
from mockserver.scenario.model import StreamError
from mockserver.sse import comment, encode
from mockserver.state import ServerState
from mockserver.types import JSONObject, Receive, Scope, Send

MAX_BODY = 32 * 1024 * 1024
RAW_SEND = "mockserver.send"
# A request whose answer a server decided before the ASGI app ran: (Arrival, Answer or the error).
DECIDED = "mockserver.decided"
NONCE_ALPHABET = string.ascii_letters + string.digits
# Each random byte picks a character; 256 % 62 leaves a slight bias, harmless in an id.
_NONCE_TABLE = bytes(NONCE_ALPHABET.encode()[i % len(NONCE_ALPHABET)] for i in range(256))
# Seeded from os.urandom when each process imports it, so worker processes never share ids.
_NONCE_RANDOM = random.Random()


def new_nonce() -> str:
    """The per-request seed of every id in a response (chatcmpl-…, msg_…, call_…). Ids must
    differ, not be secret: one call for all 24 characters (choosing each apart with `secrets`
    made 24 system calls)."""
    return _NONCE_RANDOM.randbytes(24).translate(_NONCE_TABLE).decode()


def _route_path(scope: Scope) -> str:
    """The path as the client's SDK wrote it: without the `/_ns/<name>` prefix."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}


def check_size(size: int) -> None:
    if size > MAX_BODY:
        raise RequestError(f"Request body exceeds {MAX_BODY} bytes.", status=413, kind="request_too_large")


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ConnectionResetError("client went away before sending its body")
        chunk = message.get("body", b"")
        size += len(chunk)
        check_size(size)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


@functools.cache
def keepalive_frame(dialect: Dialect, newline: str = "\n") -> bytes:
    """Anthropic clients expect `ping` events; every other SSE client skips a comment."""
    return comment("ping", newline) if dialect.keepalive is None else encode(dialect.keepalive, newline)


@dataclass(slots=True)
class Arrival:
    """A request as journaled on arrival: its call, headers and the seed of its ids."""

    call: Call
    headers: dict[str, str]
    nonce: str


@dataclass(slots=True)
class StreamAnswer:
    """A streaming answer, decided: the head, then each action at its time."""

    status: int
    headers: list[tuple[bytes, bytes]]
    actions: Sequence[Action]
    speed: float
    headers_delay: float = 0.0

    @property
    def clean(self) -> bool:
        """Plain writes at their times and nothing else: what timer callbacks alone can carry out."""
        return isinstance(self.actions, CleanPlan) and self.headers_delay <= 0


# Any other answer (an HTTP error, a whole body), as the coroutine that sends it.
Deferred = Callable[[Send, Receive], Awaitable[None]]
Answer = StreamAnswer | Deferred


class DialectEndpoint:
    """The request pipeline for one dialect, as a raw ASGI app so it can own the stream."""

    def __init__(self, dialect: Dialect, state: ServerState) -> None:
        self.dialect = dialect
        self.state = state

    def arrive(self, scope: Scope) -> Arrival:
        """Journal the request: on arrival, and filled in as it goes, so a client that has just
        seen a fault finds the request (and the fault) in the journal without waiting."""
        headers = _headers(scope)
        call = Call(
            dialect=self.dialect.name,
            method=scope["method"],
            path=_route_path(scope),
            headers=redact_credentials(headers),
            body=None,
            time=time.time(),
            namespace=namespace_of(scope),
        )
        self.state.journal.record(call)
        return Arrival(call, headers, new_nonce())

    def check(self, scope: Scope, arrival: Arrival) -> None:
        """The checks every endpoint of a dialect makes before it reads the body."""
        if scope["method"] != "POST":
            raise RequestError(
                f"Method {scope['method']} is not allowed on {scope['path']}; send a POST.",
                status=405,
                code="method_not_allowed",
            )
        if self.dialect.check_headers is not None:
            self.dialect.check_headers(arrival.headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        send = scope.get(RAW_SEND, send)
        decided: tuple[Arrival, Answer | Exception] | None = scope.pop(DECIDED, None)
        arrival = decided[0] if decided is not None else self.arrive(scope)
        call = arrival.call
        try:
            if decided is None:
                self.check(scope, arrival)
                answer: Answer | Exception = self.decide(scope, arrival, await _read_body(receive))
            else:
                answer = decided[1]
            if isinstance(answer, Exception):
                raise answer
            if isinstance(answer, StreamAnswer):
                call.status = answer.status
                await transport.stream(
                    send,
                    receive,
                    status=answer.status,
                    headers=answer.headers,
                    actions=answer.actions,
                    speed=answer.speed,
                    call=call,
                    headers_delay=answer.headers_delay,
                )
            else:
                await answer(send, receive)
        except RequestError as error:
            call.status = error.status
            call.error = error.message
            await self._send_error(send, error, arrival.nonce)
        except ConnectionResetError:
            call.client_disconnected = True
        except Exception as exc:
            # A bug in mockserver, not the client's mistake: say so in the dialect's own shape, and keep
            # the exception so the test that sent this request re-raises it via check().
            self.state.fail(call.namespace, exc, f"{call.method} {call.path}")
            call.status = 500
            call.error = f"{type(exc).__name__}: {exc}"
            internal = RequestError(f"mockserver internal error: {call.error}", status=500, kind="api_error")
            with contextlib.suppress(Exception):
                await self._send_error(send, internal, arrival.nonce)
        finally:
            self.state.journal.finish(call)

    async def _send_error(self, send: Send, error: RequestError, nonce: str) -> None:
        error.request_id = f"req_{nonce}"
        body = json.dumps(self.dialect.render_error(error)).encode()
        headers = response_headers(self.dialect, nonce, b"application/json")
        await transport.send_body(send, error.status, headers, body)

    def _json_body(self, raw: bytes, call: Call) -> JSONObject:
        try:
            body = parse_json(raw)
        except BodyError as exc:
            raise RequestError(
                f"We could not parse the JSON body of your request: {exc}. The API expects a JSON object.",
                code="invalid_json",
            ) from exc
        call.body = body
        self.state.journal.charge(call, len(raw))
        if not isinstance(body, dict):
            raise RequestError("The request body must be a JSON object.", code="invalid_type")
        return body

    def decide(self, scope: Scope, arrival: Arrival, raw: bytes) -> Answer:
        """What to answer, from the whole request; raises RequestError for a client's mistake."""
        call, headers, nonce = arrival.call, arrival.headers, arrival.nonce
        request = self.dialect.parse_request(self._json_body(raw, call))
        call.stream = request.stream
        earlier = self._earlier(request)
        prompt = request.prompt or (earlier.prompt if earlier else "")
        assistant_turns = request.assistant_turns + (earlier.turns if earlier else 0)
        namespace = self.state.namespaces.get(call.namespace)
        scenario = namespace.choose(
            self.state.scenarios, header=headers.get(SCENARIO_HEADER), model=request.model, prompt=prompt
        )
        index, turn = scenario.turn_for(assistant_turns)
        call.scenario, call.turn = scenario.name, index
        attempt = namespace.next_attempt(scenario.name, index)
        chaos = scenario.chaos or self.state.chaos
        chosen = None if chaos is None else pick(chaos, scenario=scenario.name, turn=index, attempt=attempt)
        refusal = refusal_for(turn, attempt, chosen)
        if refusal is not None:
            return lambda send, receive: send_refusal(send, self.dialect, refusal, call, nonce)
        cache = self.state.cache
        compiled = cache.turn(scenario, index)
        # A chained request's input is the whole conversation, the stored part included.
        estimated = request.input_tokens + (earlier.tokens if earlier else 0)
        input_tokens = turn.usage.input_tokens if turn.usage.input_tokens is not None else estimated
        total_tokens = input_tokens + output_tokens(turn, compiled.script)
        fill = Filler(
            nonce=nonce,
            model=request.model,
            created=int(time.time()),
            input_tokens=input_tokens,
            total_tokens=total_tokens,
            extra=request.extra,
            echo=request.echo,
        )
        body = b""
        if self.dialect.response_id is not None and request.store:
            body = fill(cache.body(scenario, index, self.dialect, request.options))
            # Kept before the answer leaves, so a client that chains at once always finds it.
            kept = StoredResponse(
                id=self.dialect.response_id(nonce),
                turns=assistant_turns + 1,
                tokens=total_tokens,
                prompt=prompt,
                body=body,
                namespace=call.namespace,
            )
            self.state.responses.put(kept)
        speed = namespace.speed or self.state.config.speed
        if not request.stream:
            # The stored body and the answer are one object: a stored response costs no second copy.
            body = body or fill(cache.body(scenario, index, self.dialect, request.options))
            return lambda send, receive: send_answer(
                send, receive, self.dialect, compiled, body, call, nonce, speed, chosen
            )
        injected: list[FaultAt] = []
        if chosen is not None and isinstance(chosen.fault, StreamError):
            cut = chosen.event(len(compiled.script.events))
            stream = cache.failing_stream(scenario, index, self.dialect, request.options, cut, chosen.fault)
        else:
            stream = cache.stream(scenario, index, self.dialect, request.options)
            if chosen is not None:
                injected.append(place(chosen, stream))
        newline = "\r\n" if turn.shaping.crlf else "\n"
        actions = plan_faults(stream, fill, injected=injected)
        keepalive_every = turn.shaping.keepalive
        if keepalive_every is None and not stream.faults and not injected:
            # A fault's silence is left as scripted: a stall must look dead to the client.
            keepalive_every = self.dialect.default_keepalive
        write_bytes = turn.shaping.write_bytes
        if write_bytes:
            actions = split_writes(actions, write_bytes)
        actions = keep_alive(actions, keepalive_frame(self.dialect, newline), every=keepalive_every, piece=write_bytes)
        return StreamAnswer(
            status=200,
            headers=response_headers(self.dialect, nonce, b"text/event-stream; charset=utf-8"),
            actions=actions,
            speed=speed,
            headers_delay=turn.shaping.headers_delay,
        )

    def _earlier(self, request: ParsedRequest) -> StoredResponse | None:
        """The stored response a request continues from, when it names one."""
        if request.previous_response_id is None:
            return None
        found = self.state.responses.get(request.previous_response_id)
        if found is None:
            raise RequestError(
                f"Previous response with id '{request.previous_response_id}' not found.",
                status=404,
                param="previous_response_id",
                code="previous_response_not_found",
            )
        return found


class JsonEndpoint(DialectEndpoint):
    """A dialect's side endpoint that answers from the request alone, such as Anthropic's count_tokens."""

    def __init__(self, dialect: Dialect, state: ServerState, answer: Callable[[JSONObject], JSONObject]) -> None:
        super().__init__(dialect, state)
        self.answer = answer

    def decide(self, scope: Scope, arrival: Arrival, raw: bytes) -> Answer:
        result = self.answer(self._json_body(raw, arrival.call))
        arrival.call.status = 200
        headers = response_headers(self.dialect, arrival.nonce, b"application/json")
        body = json.dumps(result).encode()
        return lambda send, receive: transport.send_body(send, 200, headers, body, call=arrival.call)
