"""From a compiled stream to the exact writes a response makes: what, when, and how it ends.

Pure and synchronous: the transport only executes what this module decides, so every
timing and fault decision is testable without a socket or a clock.
"""

from __future__ import annotations

import bisect
import math
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
    """A fault that fires here without bytes of its own (a stall starts): recorded, nothing sent.

    `keepalive`, on a stall's mark, is the interval at which `keep_alive` fills the silence after it.
    """

    at: float
    label: str
    keepalive: float | None = None


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
    if isinstance(actions, CleanPlan | KeptAlive):
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


def keep_alive(
    actions: Sequence[Action], frame: bytes, *, every: float | None = None, piece: int | None = None
) -> Sequence[Action]:
    """Fill the silences with keep-alive frames, so slow differs from dead: every silence longer
    than `every`, and the one after each stall that asks for its own interval. `piece` cuts each
    keep-alive frame as `split_writes` cut the rest."""
    if isinstance(actions, CleanPlan):
        if every is None or actions.longest_silence() <= every:
            # Nothing to fill: the plan stays lazy, each write made only when it is due.
            return actions
    elif every is None and not any(type(a) is Mark and a.keepalive for a in actions):
        return actions
    pieces = (frame,) if not piece else tuple(frame[i : i + piece] for i in range(0, len(frame), piece))
    return KeptAlive(actions, pieces, every)


class KeptAlive(Sequence[Action]):
    """A plan with keep-alive writes in its silences, each one made when it is reached: a day of
    silence pinged every millisecond costs three numbers per gap, not a write per ping.

    Output position k is either an action of the plan or a keep-alive piece in the gap before
    one; the gaps' first positions are kept sorted, so finding which is a binary search.
    """

    __slots__ = ("_base", "_dues", "_every", "_from", "_length", "_pieces", "_positions")

    def __init__(self, base: Sequence[Action], pieces: tuple[bytes, ...], every: float | None) -> None:
        self._base = base
        self._pieces = pieces
        self._dues = due_offsets(base)
        # For each action of the plan: its output position, and the gap before it (the time it
        # starts and its interval; no interval for a gap left silent).
        self._positions: list[int] = []
        self._from: list[float] = []
        self._every: list[float | None] = []
        marks = not isinstance(base, CleanPlan)
        position, last, interval = 0, 0.0, every
        for index, at in enumerate(self._dues):
            count = 0
            if interval and at > last:
                count = max(0, math.ceil((at - last) / interval) - 1) * len(pieces)
            self._from.append(last)
            self._every.append(interval if count else None)
            position += count
            self._positions.append(position)
            position += 1
            last = max(last, at)
            action = base[index] if marks else None
            # A stall's own interval holds for the silence right after its mark.
            interval = action.keepalive if type(action) is Mark and action.keepalive else every
        self._length = position

    def __len__(self) -> int:
        return self._length

    def _locate(self, k: int) -> tuple[int, int]:
        """(index of the plan action at or after position k, keep-alive piece number or -1)."""
        if not 0 <= k < self._length:
            raise IndexError(k)
        index = bisect.bisect_left(self._positions, k)
        if self._positions[index] == k:
            return index, -1
        first = self._positions[index - 1] + 1 if index else 0
        return index, k - first

    def _tick_at(self, index: int, piece: int) -> float:
        every = self._every[index]
        assert every is not None
        return self._from[index] + every * (piece // len(self._pieces) + 1)

    @overload
    def __getitem__(self, k: int) -> Action: ...

    @overload
    def __getitem__(self, k: slice) -> list[Action]: ...

    def __getitem__(self, k: int | slice) -> Action | list[Action]:
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(self._length))]
        if k < 0:
            k += self._length
        index, piece = self._locate(k)
        if piece < 0:
            return self._base[index]
        part = piece % len(self._pieces)
        first = part == 0
        return Write(self._tick_at(index, piece), self._pieces[part], 0, "keepalive" if first else None)

    def due_offsets(self) -> Sequence[float]:
        return _KeptAliveDues(self)

    def due(self, k: int) -> float:
        index, piece = self._locate(k)
        return self._dues[index] if piece < 0 else self._tick_at(index, piece)


class _KeptAliveDues(Sequence[float]):
    __slots__ = ("_plan",)

    def __init__(self, plan: KeptAlive) -> None:
        self._plan = plan

    def __len__(self) -> int:
        return len(self._plan)

    @overload
    def __getitem__(self, k: int) -> float: ...

    @overload
    def __getitem__(self, k: slice) -> list[float]: ...

    def __getitem__(self, k: int | slice) -> float | list[float]:
        if isinstance(k, slice):
            return [self._plan.due(i) for i in range(*k.indices(len(self._plan)))]
        return self._plan.due(k + len(self._plan) if k < 0 else k)
