"""What the server saw and did, per request: the record a test asserts on."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from mockserver.types import JSONValue


@dataclass(slots=True, kw_only=True)
class Call:
    """One request and its outcome. Filled in as the response streams; read it after the call."""

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
    # Seconds from arrival until the server was done with the request; None while in flight.
    duration: float | None = None

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
            "duration": self.duration,
        }


class Journal:
    """A bounded, thread-safe log: the server thread appends, a test thread reads."""

    def __init__(self, limit: int = 10_000) -> None:
        self._calls: deque[Call] = deque(maxlen=limit)
        self._lock = threading.Lock()

    def record(self, call: Call) -> Call:
        with self._lock:
            self._calls.append(call)
        return call

    def calls(self, namespace: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if namespace is None or c.namespace == namespace]

    def clear(self, namespace: str | None = None) -> None:
        with self._lock:
            if namespace is None:
                self._calls.clear()
            else:
                kept = [c for c in self._calls if c.namespace != namespace]
                self._calls.clear()
                self._calls.extend(kept)

    def __iter__(self) -> Iterator[Call]:
        return iter(self.calls())

    def __len__(self) -> int:
        return len(self._calls)
