"""What the server saw and did, per request: the record a test asserts on.

Bounded by count and by bytes, oldest out first, so a server answering large requests for
days keeps a flat memory; each namespace is told how many of its requests were dropped.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from mockserver.config import JOURNAL_MAX_BYTES, JOURNAL_MAX_REQUESTS
from mockserver.types import JSONValue

# What a journaled request costs besides its body: the record, its headers, its counters.
CALL_OVERHEAD = 1024
# Headers that carry a credential. The journal keeps that they were sent, never their value:
# journals are printed in failing tests, written to reports and read over the control API.
CREDENTIAL_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "x-api-key", "api-key", "x-goog-api-key", "cookie"}
)
REDACTED = "[redacted]"


def redact_credentials(headers: dict[str, str]) -> dict[str, str]:
    """The headers as journaled: a credential's value is replaced, and `Bearer` stays visible so a
    test can still tell which scheme the client used."""
    if CREDENTIAL_HEADERS.isdisjoint(headers):
        return headers
    kept = dict(headers)
    for name in CREDENTIAL_HEADERS.intersection(headers):
        scheme, _, rest = kept[name].partition(" ")
        kept[name] = f"{scheme} {REDACTED}" if rest and scheme.lower() in {"bearer", "basic"} else REDACTED
    return kept


@dataclass(slots=True, kw_only=True)
class Call:
    """One request and its outcome. It is journaled on arrival and filled in as the response
    streams; `finished` turns true once the server is done with it."""

    dialect: str
    method: str
    path: str
    headers: dict[str, str]
    body: JSONValue
    time: float
    namespace: str = ""
    scenario: str | None = None
    turn: int | None = None
    status: int | None = None
    stream: bool = False
    faults: list[str] = field(default_factory=list)
    frames_sent: int = 0
    bytes_sent: int = 0
    completed: bool = False
    client_disconnected: bool = False
    disconnected_after: float | None = None
    disconnected_after_frame: int | None = None
    error: str | None = None
    finished: bool = False
    # Seconds from arrival until the server was done with the request; None while in flight.
    duration: float | None = None
    # What the journal counts against its byte budget: the body as sent, plus a fixed overhead.
    size: int = field(default=0, repr=False, compare=False)
    journaled: bool = field(default=False, repr=False, compare=False)

    @property
    def model(self) -> str | None:
        """The model the client asked for, as sent."""
        model = self.body.get("model") if isinstance(self.body, dict) else None
        return model if isinstance(model, str) else None

    def summary(self) -> str:
        """One line for assertion messages: what came in and what the server did with it."""
        parts = [f"{self.method} {self.path}", f"dialect={self.dialect}", f"model={self.model}"]
        parts += [f"scenario={self.scenario}", f"turn={self.turn}", f"status={self.status}"]
        if self.faults:
            parts.append(f"faults={self.faults}")
        if self.client_disconnected:
            parts.append(f"client disconnected after {self.disconnected_after}s")
        if self.error:
            parts.append(f"error={self.error!r}")
        return " ".join(parts)

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "dialect": self.dialect,
            "method": self.method,
            "path": self.path,
            "headers": dict(self.headers),
            "body": self.body,
            "time": self.time,
            "namespace": self.namespace,
            "scenario": self.scenario,
            "turn": self.turn,
            "status": self.status,
            "stream": self.stream,
            "faults": list(self.faults),
            "frames_sent": self.frames_sent,
            "bytes_sent": self.bytes_sent,
            "completed": self.completed,
            "client_disconnected": self.client_disconnected,
            "disconnected_after": self.disconnected_after,
            "disconnected_after_frame": self.disconnected_after_frame,
            "error": self.error,
            "finished": self.finished,
            "duration": self.duration,
        }


class Journal:
    """A bounded, thread-safe log: the server thread appends, a test thread reads and may wait
    for the requests of its namespace to finish."""

    def __init__(self, limit: int = JOURNAL_MAX_REQUESTS, max_bytes: int = JOURNAL_MAX_BYTES) -> None:
        self._limit = limit
        self._max_bytes = max_bytes
        self._bytes = 0
        self._calls: deque[Call] = deque()
        self._in_flight: Counter[str] = Counter()
        self._evicted: Counter[str] = Counter()
        self._changed = threading.Condition()

    def record(self, call: Call) -> Call:
        """Journal a request as it arrives; pair with `finish` when the server is done with it."""
        with self._changed:
            if len(self._calls) >= self._limit:
                self._evict()
            self._calls.append(call)
            call.journaled = True
            call.size += CALL_OVERHEAD
            self._bytes += call.size
            if not call.finished:
                self._in_flight[call.namespace] += 1
        return call

    def charge(self, call: Call, size: int) -> None:
        """Count `size` more bytes against the budget for a journaled call (its body, once read),
        dropping the oldest calls while the journal is over it."""
        with self._changed:
            if not call.journaled:
                return
            call.size += size
            self._bytes += size
            # The newest stays even alone over the budget: the test that sent it reads it next.
            while self._bytes > self._max_bytes and len(self._calls) > 1:
                self._evict()

    def _evict(self) -> None:
        dropped = self._calls.popleft()
        dropped.journaled = False
        self._bytes -= dropped.size
        self._evicted[dropped.namespace] += 1

    def finish(self, call: Call) -> None:
        with self._changed:
            if call.finished:
                return
            call.finished = True
            call.duration = round(time.time() - call.time, 6)
            self._in_flight[call.namespace] -= 1
            if self._in_flight[call.namespace] <= 0:
                del self._in_flight[call.namespace]
            self._changed.notify_all()

    def idle(self, namespace: str | None = None) -> bool:
        return not self._in_flight if namespace is None else namespace not in self._in_flight

    def settle(self, namespace: str | None = None, timeout: float = 1.0) -> bool:
        """Wait until no request (of the namespace) is in flight; False if some still are at the timeout.

        A client sees the last byte of a response a moment before the server has recorded how it
        ended, and a client that hangs up is noticed a moment later: settling closes that gap."""
        with self._changed:
            return self._changed.wait_for(lambda: self.idle(namespace), timeout)

    def calls(self, namespace: str | None = None) -> list[Call]:
        with self._changed:
            return [c for c in self._calls if namespace is None or c.namespace == namespace]

    def evicted(self, namespace: str | None = None) -> int:
        """How many requests (of the namespace) were dropped to keep within the bounds since it was last cleared."""
        with self._changed:
            return self._evicted.total() if namespace is None else self._evicted.get(namespace, 0)

    def clear(self, namespace: str | None = None) -> None:
        """Forget finished and in-flight requests alike; an in-flight one still finishes normally."""
        with self._changed:
            if namespace is None:
                gone = list(self._calls)
                self._calls.clear()
                self._evicted.clear()
            else:
                gone = [c for c in self._calls if c.namespace == namespace]
                kept = [c for c in self._calls if c.namespace != namespace]
                self._calls.clear()
                self._calls.extend(kept)
                self._evicted.pop(namespace, None)
            for call in gone:
                call.journaled = False
                self._bytes -= call.size

    @property
    def nbytes(self) -> int:
        """The bytes held now, by the journal's own accounting (see `Call.size`)."""
        return self._bytes

    def __iter__(self) -> Iterator[Call]:
        return iter(self.calls())

    def __len__(self) -> int:
        return len(self._calls)
