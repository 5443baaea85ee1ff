"""Scripted faults applied to one request's frames: which bytes leave when, and where the
connection breaks.

Pure: the compiled frames and the faults are data, and so is the plan that comes out, so every
fault is tested without a socket. The transport only carries the plan out and journals each
action's label as the fault fires.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from mockserver.chaos import ChaosPick
from mockserver.compiled import CompiledStream, CompiledTurn
from mockserver.events import Failure, FaultPoint
from mockserver.plan import Action, Close, Mark, Write, plan_clean
from mockserver.scenario.model import (
    Disconnect,
    Duplicate,
    Fault,
    HttpError,
    InvalidJson,
    Malformed,
    Reorder,
    Reset,
    Stall,
    StreamError,
    Truncate,
    Turn,
)

# The status a non-streaming request gets when its turn fails with this error mid-generation.
ERROR_STATUS = {
    "overloaded": 529,
    "overloaded_error": 529,
    "rate_limit": 429,
    "rate_limit_error": 429,
    "rate_limit_exceeded": 429,
    "timeout": 408,
    "timeout_error": 408,
    "invalid_request_error": 400,
}

FaultAt = tuple[int, float, Fault]


def refusal_for(turn: Turn, attempt: int, chosen: ChaosPick | None) -> tuple[str, HttpError] | None:
    """The HTTP error this attempt at the turn gets instead of an answer, if any, with the name the
    journal records: scripted failures first, then chaos."""
    if attempt < len(turn.fail_first):
        return "fail_first", turn.fail_first[attempt]
    if turn.http_error is not None:
        return "http_error", turn.http_error
    if chosen is not None and isinstance(chosen.fault, HttpError):
        return "http_error", chosen.fault
    return None


def place(chosen: ChaosPick, stream: CompiledStream) -> FaultAt:
    """A chaos fault at its frame, due right after the frame before it."""
    assert not isinstance(chosen.fault, HttpError)
    frame = chosen.frame(len(stream.frames))
    return frame, stream.due[frame - 1] if frame else 0.0, chosen.fault


def body_fault(compiled: CompiledTurn, chosen: ChaosPick | None) -> tuple[float, Fault] | None:
    """What spoils a non-streaming answer, and when: the first scripted fault that means something
    for a JSON body (a cut, a reset, a truncation, broken JSON, an error), else the chaos one.
    Frame-level faults (duplicate, reorder, malformed) have nothing to act on in one body."""
    for event, at in zip(compiled.script.events, compiled.due, strict=True):
        match event:
            case FaultPoint(fault=Disconnect() | Reset() | Truncate() | InvalidJson() as fault):
                return at, fault
            case Failure(error=error, message=message):
                return at, StreamError(error=error, message=message)
            case _:
                pass
    if chosen is None or isinstance(chosen.fault, HttpError | Duplicate | Reorder | Malformed):
        return None
    duration = compiled.due[-1] if compiled.due else 0.0
    return chosen.point * duration, chosen.fault


def plan_faults(
    stream: CompiledStream,
    fill: Callable[[bytes], bytes],
    *,
    injected: Sequence[FaultAt] = (),
) -> Sequence[Action]:
    """The writes for one request with the turn's faults (and any `injected` by chaos) applied.

    A fault at index i fires before frame i. Frames untouched by a fault still leave in one
    write per due time, as in a clean stream; a frame a fault changes leaves on its own, with
    the fault's name as its label.
    """
    if not stream.faults and not injected:
        return plan_clean(stream, fill)
    # Scripted stalls already pushed the later frames back (timing.plan_due); injected ones must.
    faults = sorted(
        [*((i, at, f, False) for i, at, f in stream.faults), *((i, at, f, True) for i, at, f in injected)],
        key=lambda f: f[0],
    )
    return _Planner(stream, fill).run(faults)


class _Planner:
    __slots__ = ("_batch", "_batch_at", "_fill", "_out", "_stream")

    def __init__(self, stream: CompiledStream, fill: Callable[[bytes], bytes]) -> None:
        self._stream = stream
        self._fill = fill
        self._out: list[Action] = []
        self._batch: list[bytes] = []
        self._batch_at = 0.0

    def run(self, faults: list[tuple[int, float, Fault, bool]]) -> list[Action]:
        frames, due = self._stream.frames, list(self._stream.due)
        order = list(range(len(frames)))
        copies = [1] * len(frames)
        broken: set[int] = set()
        labels: dict[int, list[str]] = {}
        offset = 0.0
        pending = iter(faults)
        upcoming = next(pending, None)
        for slot in range(len(frames) + 1):
            while upcoming is not None and upcoming[0] <= slot:
                _, at, fault, shifts = upcoming
                at += offset
                upcoming = next(pending, None)
                match fault:
                    case Disconnect(graceful=True):
                        # The transport then ends the body as usual: HTTP-complete, terminator missing.
                        self._flush()
                        self._out.append(Mark(at, "disconnect"))
                        return self._out
                    case Disconnect():
                        return self._close(Close(at, label="disconnect"))
                    case Reset():
                        return self._close(Close(at, reset=True, label="reset"))
                    case Truncate(bytes=size):
                        if slot < len(frames) and size > 0:
                            self._flush()
                            self._out.append(Write(due[slot], self._fill(frames[order[slot]])[:size], 0))
                            at = due[slot]
                        return self._close(Close(at, label="truncate"))
                    case Stall(seconds=seconds, keepalive=every):
                        self._flush()
                        # The pings, if any, are `plan.keep_alive`'s to add, made as they fall due.
                        self._out.append(Mark(at, "stall", every))
                        if slot == len(frames):
                            # Nothing follows to end the silence: an empty write does, once it is over.
                            self._out.append(Write(at + seconds, b"", 0))
                        if shifts:
                            offset += seconds
                            due[slot:] = [d + seconds for d in due[slot:]]
                    case Malformed(data=data):
                        self._flush()
                        self._out.append(Write(at, data, 0, "malformed"))
                    case InvalidJson():
                        broken.add(slot)
                        labels.setdefault(slot, []).append("invalid_json")
                    case Duplicate(count=count):
                        for later in range(slot, min(slot + count, len(frames))):
                            copies[later] += 1
                        labels.setdefault(slot, []).append("duplicate")
                    case Reorder(count=count):
                        order[slot : slot + count] = reversed(order[slot : slot + count])
                        labels.setdefault(slot, []).append("reorder")
                    case StreamError():
                        # Already rendered into the frames as the dialect's error event: only label it.
                        labels.setdefault(slot, []).append("error")
            if slot == len(frames):
                break
            data = self._fill(frames[order[slot]])
            if slot in broken:
                data = break_json(data)
            if slot in labels:
                self._flush()
                *others, label = labels[slot]
                self._out.extend(Mark(due[slot], other) for other in others)
                self._out.append(Write(due[slot], data, 1, label))
                self._out.extend(Write(due[slot], data) for _ in range(copies[slot] - 1))
            else:
                for _ in range(copies[slot]):
                    self._add(due[slot], data)
        self._flush()
        return self._out

    def _add(self, at: float, data: bytes) -> None:
        if self._batch and at != self._batch_at:
            self._flush()
        self._batch_at = at
        self._batch.append(data)

    def _flush(self) -> None:
        if self._batch:
            self._out.append(Write(self._batch_at, b"".join(self._batch), len(self._batch)))
            self._batch.clear()

    def _close(self, close: Close) -> list[Action]:
        self._flush()
        self._out.append(close)
        return self._out


def break_json(frame: bytes) -> bytes:
    """Drop the last character of the frame's data line: still a well-formed SSE event (event
    line, `data: ` prefix, blank line), but its payload no longer parses as JSON."""
    start = 0 if frame.startswith(b"data: ") else frame.find(b"\ndata: ")
    if start < 0:
        return frame
    end = frame.find(b"\n", start + 1)
    if end < 0:
        return frame
    if frame[end - 1 : end] == b"\r":
        end -= 1
    return frame[: end - 1] + frame[end:]
