"""A clean stream carried out by timer callbacks alone, on the server's own connection.

When the whole request is in and its answer is plain writes at their times, nothing needs a
coroutine: the head and every write already due leave in one system call, a clock slot wakes
the stream when its next write falls due, and the last write ends the response as the server's
`send` would. No task, no ASGI messages, no futures: a held stream is this object and its plan,
and a burst of new requests costs a fraction of what the ASGI path costs (profiling in
docs/performance.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from mockserver.journal import Call
from mockserver.pacer import clock
from mockserver.plan import Action, Write, due_offsets
from mockserver.transport import END_OF_CHUNKS, complete_response, frame, record_disconnect, response_head


class DirectStream:
    """Runs `actions` (plain writes) on uvicorn's httptools request cycle `cycle`.

    `finished(call)` is called once, when the response ends or the client leaves; `failed(call,
    exc)` instead if carrying the stream out raised, after the connection is cut.
    """

    __slots__ = (
        "_actions",
        "_call",
        "_chunked",
        "_clock",
        "_cycle",
        "_done",
        "_dues",
        "_failed",
        "_finished",
        "_index",
        "_last",
        "_loop",
        "_pending",
        "_speed",
        "_start",
    )

    def __init__(
        self,
        cycle: Any,
        *,
        status: int,
        headers: list[tuple[bytes, bytes]],
        actions: Sequence[Action],
        speed: float,
        call: Call,
        finished: Callable[[Call], None],
        failed: Callable[[Call, Exception], None],
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._cycle = cycle
        self._actions = actions
        self._dues = due_offsets(actions)
        self._speed = speed
        self._call = call
        self._finished = finished
        self._failed = failed
        self._clock = clock()
        self._index = 0
        self._last = len(actions) - 1
        self._done = False
        self._start = self._loop.time()
        # The head leaves with the first write, in one system call.
        self._pending, self._chunked = response_head(cycle, status, headers)

    @property
    def done(self) -> bool:
        return self._done

    def tick(self) -> None:
        """Write whatever is due; called by the clock, and by the connection when it drains or drops."""
        if self._done:
            return
        try:
            self._write_due()
        except Exception as exc:
            self._done = True
            self._cycle.transport.abort()
            self._failed(self._call, exc)
        if self._done:
            # The cycle leads back to the connection, which holds this stream: let both go by
            # reference counting, not wait for the collector's rare full passes.
            self._cycle = None
            self._actions = ()

    def _write_due(self) -> None:
        cycle, call = self._cycle, self._call
        transport = cycle.transport
        if cycle.disconnected or transport.is_closing():
            self._done = True
            record_disconnect(call, self._loop.time() - self._start)
            self._finished(call)
            return
        if cycle.flow.write_paused:
            # The client is not reading: the connection calls `tick` again once it drains.
            return
        actions, dues, start, speed, last = self._actions, self._dues, self._start, self._speed, self._last
        chunked = self._chunked
        now = self._loop.time()
        i = self._index
        out = [self._pending] if self._pending else []
        self._pending = b""
        due = now
        while i <= last:
            due = start + dues[i] / speed
            if due > now:
                break
            action = actions[i]
            assert isinstance(action, Write)
            if action.data:
                out.append(frame(action.data, chunked=chunked))
            # Counted before sending, so the journal never lags what the client has already read.
            call.frames_sent += action.frames
            call.bytes_sent += len(action.data)
            i += 1
        self._index = i
        if i > last:
            if chunked:
                out.append(END_OF_CHUNKS)
            call.completed = True
        if out:
            transport.write(b"".join(out))
        if i > last:
            self._complete()
        else:
            self._clock.call_at(due, self.tick)

    def _complete(self) -> None:
        self._done = True
        complete_response(self._cycle)
        self._finished(self._call)
