"""uvicorn's HTTP/1.1 protocol, with clean streams to the API paths served without a task.

uvicorn starts a task per request as soon as the headers are in, and the request then travels
as ASGI messages through a chain of coroutines. For a POST to an API path this protocol waits
for the body instead (it is small, and arrives with the headers), lets the app decide the answer
at once, and runs a clean stream on timer callbacks (direct.py). Anything else, and any request
whose answer is not a clean stream, starts the task as uvicorn would, with the decision made.
"""

from __future__ import annotations

from typing import Any, cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from mockserver.app import MockApp
from mockserver.direct import DirectStream
from mockserver.types import Scope

# What this protocol overrides or reads of uvicorn's: present since uvicorn 0.45. Without it,
# the server runs uvicorn's own protocol and every request takes the ASGI path.
SUPPORTED = all(
    hasattr(HttpToolsProtocol, name)
    for name in (
        "_start_asgi_task",
        "_unset_keepalive_if_required",
        "on_body",
        "on_message_complete",
        "on_response_complete",
        "resume_writing",
    )
)


def _mock_app(app: Any) -> MockApp | None:
    """The MockApp inside whatever middleware the server wrapped it in."""
    for _ in range(8):
        if isinstance(app, MockApp):
            return app
        app = getattr(app, "app", None)
    return None


class MockHttpProtocol(HttpToolsProtocol):
    """One connection. `_waiting` is a request whose headers are in but not yet its body."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._mock = _mock_app(self.app)
        self._waiting: tuple[RequestResponseCycle, Any] | None = None
        self._direct: DirectStream | None = None

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        # A stream served here can end while the bytes it came in are still being parsed, which
        # arms the idle timer before the next request in those bytes starts: that request is
        # not idle time, so the timer goes (or it would cut that request's stream).
        self._unset_keepalive_if_required()
        mock = self._mock
        if (
            mock is None
            or app is not self.app
            or cycle.scope["method"] != "POST"
            or not mock.serves_directly(cycle.scope["path"])
            # A client waiting for 100 Continue sends its body only when the app asks for it.
            or cycle.waiting_for_100_continue
        ):
            super()._start_asgi_task(cycle, app)
        elif cycle.more_body:
            self._waiting = (cycle, app)
        else:
            self._serve(cycle, app)

    def on_body(self, body: bytes) -> None:
        super().on_body(body)
        if self._waiting is not None and self.flow.read_paused:
            # A body too large to hold: the ASGI app reads it as it arrives.
            cycle, app = self._waiting
            self._waiting = None
            super()._start_asgi_task(cycle, app)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        if self._waiting is not None:
            cycle, app = self._waiting
            self._waiting = None
            self._serve(cycle, app)

    def _serve(self, cycle: RequestResponseCycle, app: Any) -> None:
        assert self._mock is not None
        self._direct = self._mock.serve_direct(cast(Scope, cycle.scope), bytes(cycle.body), cycle)
        if self._direct is None:
            # The app has the body and its answer decided: from now on the cycle's `receive`
            # waits for the client to leave, as it does once an app has read the body.
            cycle.body = bytearray()
            cycle.message_event.clear()
            super()._start_asgi_task(cycle, app)

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        self._wake()
        self._direct = None
        self._waiting = None
        self.cycle = None  # type: ignore[assignment]

    def resume_writing(self) -> None:
        super().resume_writing()
        self._wake()

    def _wake(self) -> None:
        """Let a direct stream see at once that its client left or drained."""
        if self._direct is not None and not self._direct.done:
            self._direct.tick()
