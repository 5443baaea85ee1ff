"""A paced stream's plain writes, made from timer callbacks rather than a coroutine per event.

Holding thousands of paced streams, each event's cost is what counts: waking a task from
`asyncio.sleep` and passing an ASGI message through the server's `send()` cost several times
the write itself. So while a plan is plain writes, a timer callback frames each one as the
server would and writes it straight to the socket. The request's coroutine sleeps once, until
the last write is due, the client leaves, or an action needs the general path.
"""

from __future__ import annotations

import asyncio
import heapq
import math
import weakref
from collections.abc import Callable, Sequence
from typing import Protocol

from mockserver.journal import Call
from mockserver.plan import Action, Write, due_offsets
from mockserver.types import Receive


class Socket(Protocol):
    """What the pacer needs of the connection (transport.Connection provides it)."""

    @property
    def disconnected(self) -> bool: ...

    @property
    def write_paused(self) -> bool: ...

    def write_now(self, data: bytes) -> None: ...

    def flush(self) -> None: ...


class Clock:
    """One loop timer per millisecond in which writes fall due, shared by every stream with a
    write due then. Streams started together fall due together, and a thousand of them then
    cost one timer, not a thousand; the event loop's timers have millisecond resolution anyway.

    The loop runs its timers only between rounds of I/O, and a burst of new requests can fill a
    round for a long time: every stream already running would then fall behind its script.
    `run_due`, called before each new request's work, lets the writes already due go first.
    """

    __slots__ = ("_loop", "_slots", "_ticks")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._slots: dict[int, list[Callable[[], None]]] = {}
        # The ticks with a slot, earliest first: `run_due` looks at the head only.
        self._ticks: list[int] = []

    def call_at(self, when: float, callback: Callable[[], None]) -> None:
        tick = math.ceil(when * 1000)
        slot = self._slots.get(tick)
        if slot is None:
            slot = self._slots[tick] = []
            heapq.heappush(self._ticks, tick)
            self._loop.call_at(tick / 1000, self._fire, tick)
        slot.append(callback)

    def run_due(self) -> None:
        """Fire every slot already due, ahead of the loop's own timer for it."""
        ticks = self._ticks
        if ticks and ticks[0] <= self._loop.time() * 1000:
            now = self._loop.time() * 1000
            while ticks and ticks[0] <= now:
                self._fire(ticks[0])

    def _fire(self, tick: int) -> None:
        ticks = self._ticks
        if ticks and ticks[0] == tick:
            heapq.heappop(ticks)
        slot = self._slots.pop(tick, None)
        if slot is None:
            # Fired early by `run_due`: the loop's timer finds nothing left to do.
            return
        for callback in slot:
            try:
                callback()
            except Exception as exc:
                # One stream's failure must not stop the others due in the same millisecond.
                self._loop.call_exception_handler({"message": "a paced write failed", "exception": exc})


_CLOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Clock] = weakref.WeakKeyDictionary()


def clock() -> Clock:
    """The running loop's clock."""
    loop = asyncio.get_running_loop()
    found = _CLOCKS.get(loop)
    if found is None:
        found = _CLOCKS[loop] = Clock(loop)
    return found


def plain(action: Action) -> bool:
    """A write with no fault attached: the only action the pacer carries out itself."""
    return type(action) is Write and (action.label is None or action.label == "keepalive")


class Pacer:
    """Runs actions[0:] until one is not plain, the socket pushes back, or the last is due."""

    __slots__ = (
        "_actions",
        "_call",
        "_clock",
        "_done",
        "_dues",
        "_handle",
        "_index",
        "_last",
        "_loop",
        "_next",
        "_socket",
        "_speed",
        "_start",
        "_stopped",
        "_wake",
        "_watch_after",
    )

    def __init__(
        self,
        socket: Socket,
        actions: Sequence[Action],
        *,
        start: float,
        speed: float,
        call: Call,
        watch_after: float,
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._socket = socket
        self._actions = actions
        self._dues = due_offsets(actions)
        self._start = start
        self._speed = speed
        self._call = call
        self._index = 0
        self._last = len(actions) - 1
        self._done: asyncio.Future[int] = self._loop.create_future()
        # Set when done, or when a wait of `watch_after` seconds or more begins: only then does
        # the coroutine listen for the client leaving (a shorter wait notices it at the next tick).
        self._wake: asyncio.Future[None] = self._loop.create_future()
        self._watch_after = watch_after
        self._clock = clock()
        self._handle: asyncio.TimerHandle | None = None
        self._stopped = False
        # The action the coroutine is left to carry out, kept because a lazy plan builds each
        # action on access.
        self._next: Action | None = None

    def _tick(self) -> None:
        if self._stopped:
            return
        actions, dues, i, socket, call = self._actions, self._dues, self._index, self._socket, self._call
        start, speed, last = self._start, self._speed, self._last
        now = self._loop.time()
        while i <= last:
            due = start + dues[i] / speed
            if due > now:
                # Whatever is held (the head) leaves now, not with a later write. The write that
                # waits is built when it is due, not now, so a held stream keeps no bytes.
                socket.flush()
                self._index = i
                if due - now < self._watch_after:
                    self._clock.call_at(due, self._tick)
                    return
                # A long silence gets a timer of its own, cancelled at once if the client leaves.
                self._handle = self._loop.call_at(due, self._tick)
                if not self._wake.done():
                    self._wake.set_result(None)
                return
            action = actions[i]
            if not plain(action) or socket.disconnected or socket.write_paused:
                self._next = action
                break
            if i == last:
                # Left to the coroutine, which sends it together with the end of the response.
                self._next = action
                break
            assert isinstance(action, Write)
            # Counted before sending, so the journal never lags what the client has already read.
            call.frames_sent += action.frames
            call.bytes_sent += len(action.data)
            socket.write_now(action.data)
            i += 1
        self._index = i
        self._done.set_result(i)
        if not self._wake.done():
            self._wake.set_result(None)

    def action(self, index: int) -> Action:
        """The action at `index`, reusing the one already built where the pacer stopped."""
        if index == self._index and self._next is not None:
            return self._next
        return self._actions[index]

    async def run(self, receive: Receive) -> int | None:
        """The index of the first action not done; None if the client went away meanwhile."""
        self._tick()
        try:
            await self._wake
            while not self._done.done():
                # Once the body is read, the server's receive() returns only when the client leaves.
                watch = asyncio.ensure_future(receive())
                try:
                    await asyncio.wait((self._done, watch), return_when=asyncio.FIRST_COMPLETED)
                finally:
                    watch.cancel()
                if not self._done.done() and (
                    self._socket.disconnected or watch.result().get("type") == "http.disconnect"
                ):
                    return None
            return self._done.result()
        finally:
            # A tick already on the clock finds the pacer stopped and does nothing.
            self._stopped = True
            if self._handle is not None:
                self._handle.cancel()
