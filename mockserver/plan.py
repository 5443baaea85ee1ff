"""From a compiled stream to the exact writes a response makes: what, when, and how it ends.

Pure and synchronous: the transport only executes what this module decides, so every
timing and fault decision is testable without a socket or a clock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import overload

from mockserver.compiled import CompiledStream


# Not frozen: a paced stream builds a hundred per request, and a frozen dataclass's
# __init__ costs four times a plain one.
@dataclass(slots=True)
class Write:
    """Bytes to put on the wire at `at` seconds (scripted time) after the headers."""

    at: float
    data: bytes
    frames: int = 1
    label: str | None = None


@dataclass(frozen=True, slots=True)
class Close:
    """End the connection without finishing the response: FIN, or RST when `reset`."""

    at: float
    reset: bool = False
    label: str | None = None


@dataclass(frozen=True, slots=True)
class Mark:
    """A fault that fires here without bytes of its own (a stall starts): recorded, nothing sent."""

    at: float
    label: str


Action = Write | Close | Mark


class CleanPlan(Sequence[Action]):
    """The common case: frames due at the same moment leave in one write. Each write is made
    when the transport reaches it, so a held stream keeps no filled copy of its bytes, and the
    garbage collector has no hundred objects per stream to walk."""

    __slots__ = ("_fill", "_stream")

    def __init__(self, stream: CompiledStream, fill: Callable[[bytes], bytes]) -> None:
        self._stream = stream
        self._fill = fill

    def __len__(self) -> int:
        return len(self._stream.groups)

    @overload
    def __getitem__(self, index: int) -> Action: ...

    @overload
    def __getitem__(self, index: slice) -> list[Action]: ...

    def __getitem__(self, index: int | slice) -> Action | list[Action]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        at, _, count = self._stream.groups[index]
        return Write(at, self._stream.filled_group(index, self._fill), count)

    def longest_silence(self) -> float:
        """The longest wait before a write, read from the compiled stream without filling anything."""
        return self._stream.longest_silence

    def due_offsets(self) -> Sequence[float]:
        return self._stream.group_due


def due_offsets(actions: Sequence[Action]) -> Sequence[float]:
    """When each action is due (scripted seconds after the head), without building the actions."""
    if isinstance(actions, CleanPlan):
        return actions.due_offsets()
    return [action.at for action in actions]


def plan_clean(stream: CompiledStream, fill: Callable[[bytes], bytes]) -> Sequence[Action]:
    return CleanPlan(stream, fill)


def split_writes(actions: Sequence[Action], size: int) -> list[Action]:
    """Cut every write into `size`-byte pieces, so a multi-byte character can straddle two."""
    out: list[Action] = []
    for action in actions:
        if isinstance(action, Write) and len(action.data) > size:
            pieces = [action.data[i : i + size] for i in range(0, len(action.data), size)]
            out.extend(
                Write(action.at, piece, *((action.frames, action.label) if i == 0 else (0, None)))
                for i, piece in enumerate(pieces)
            )
        else:
            out.append(action)
    return out


def add_keepalives(actions: Sequence[Action], every: float, frame: bytes) -> Sequence[Action]:
    """Fill every silence longer than `every` with keep-alive frames, so slow differs from dead."""
    if isinstance(actions, CleanPlan) and actions.longest_silence() <= every:
        # Nothing to fill: the plan stays lazy, each write made only when it is due.
        return actions
    out: list[Action] = []
    last = 0.0
    for action in actions:
        tick = last + every
        while tick < action.at:
            out.append(Write(tick, frame, 0, "keepalive"))
            tick += every
        out.append(action)
        last = max(last, action.at)
    return out
