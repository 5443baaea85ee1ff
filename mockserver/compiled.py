"""A turn rendered once per dialect, reused for every request that asks for it.

Renderers are pure, so rendering a turn with marker values in place of the per-request ones
(id, model, timestamp, input-token counts, the dialect's one extra value, the settings a
response echoes) gives bytes that only need those markers replaced. Serving a request is then
one `%` format per group (template.py), not a JSON encode per frame.
"""

from __future__ import annotations

import dataclasses
import random
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from mockserver.config import RENDER_CACHE_MAX_BYTES
from mockserver.dialects.base import Dialect, RenderContext, TokenUsage, dumps
from mockserver.events import Event, Failure, FaultPoint, Script, failure_for, script_for
from mockserver.scenario.model import Fault, Scenario, StreamError, Turn
from mockserver.sse import encode
from mockserver.template import Template
from mockserver.timing import plan_due
from mockserver.types import JSONObject, JSONValue

# Marker values: private-use characters for strings, improbable numbers for integers.
NONCE_MARK = "\ue000"
MODEL_MARK = "\ue001"
EXTRA_MARK = "\ue002"
ECHO_MARK = "\ue003"
CREATED_MARK = 9_100_000_000_001
INPUT_MARK = 9_100_000_000_003
TOTAL_MARK = 9_100_000_000_005
_MARKS = (
    NONCE_MARK.encode(),
    MODEL_MARK.encode(),
    str(CREATED_MARK).encode(),
    str(INPUT_MARK).encode(),
    str(TOTAL_MARK).encode(),
    # The extra value is any JSON, so its marker is replaced together with its quotes.
    dumps(EXTRA_MARK).encode(),
    # The echoed settings are members of an object, spliced in after another member.
    ("," + dumps({ECHO_MARK: None})[1:-1]).encode(),
)


@dataclass(frozen=True, slots=True)
class CompiledStream:
    """Encoded frames with their due offsets; `faults[i]` lists the faults that fire before frame i."""

    frames: tuple[bytes, ...]
    due: tuple[float, ...]
    faults: tuple[tuple[int, float, Fault], ...]
    groups: tuple[tuple[float, bytes, int], ...]
    duration: float
    templates: tuple[Template, ...] = ()
    # Per group, the offset it is due at; and the longest wait before any group. Read per
    # request and per event, so computed once here.
    group_due: tuple[float, ...] = ()
    longest_silence: float = 0.0

    def filled_group(self, index: int, fill: Callable[[bytes], bytes]) -> bytes:
        """One group's bytes for one request."""
        if isinstance(fill, Filler) and self.templates:
            return self.templates[index].fill(fill.values)
        return fill(self.groups[index][1])


@dataclass(frozen=True, slots=True)
class CompiledTurn:
    script: Script
    due: tuple[float, ...]


class Filler:
    """Per-request values that replace the markers; built once per request."""

    __slots__ = ("values",)

    def __init__(
        self,
        *,
        nonce: str,
        model: str,
        created: int,
        input_tokens: int,
        total_tokens: int,
        extra: JSONValue = None,
        echo: JSONObject | None = None,
    ) -> None:
        self.values = (
            nonce.encode(),
            dumps(model)[1:-1].encode(),
            b"%d" % created,
            b"%d" % input_tokens,
            b"%d" % total_tokens,
            b"null" if extra is None else dumps(extra).encode(),
            b"," + dumps(echo).encode()[1:-1] if echo else b"",
        )

    def __call__(self, data: bytes) -> bytes:
        for mark, value in zip(_MARKS, self.values, strict=True):
            if mark in data:
                data = data.replace(mark, value)
        return data


def marker_context(turn: Turn, script: Script, options: Hashable) -> RenderContext:
    usage = turn.usage
    return RenderContext(
        nonce=NONCE_MARK,
        model=MODEL_MARK,
        created=CREATED_MARK,
        usage=TokenUsage(
            input_tokens=INPUT_MARK,
            output_tokens=output_tokens(turn, script),
            total_tokens=TOTAL_MARK,
            reasoning_tokens=usage.reasoning_tokens if usage.reasoning_tokens is not None else script.reasoning_tokens,
            cached_tokens=usage.cached_tokens,
            cache_creation_tokens=usage.cache_creation_tokens,
        ),
        options=options,
        extra=EXTRA_MARK,
        echo={ECHO_MARK: None},
    )


def output_tokens(turn: Turn, script: Script) -> int:
    return turn.usage.output_tokens if turn.usage.output_tokens is not None else script.output_tokens


def compile_turn(scenario: Scenario, index: int) -> CompiledTurn:
    turn = scenario.turns[index]
    script = script_for(turn)
    rng = random.Random(zlib.crc32(f"{scenario.seed}:{index}".encode()))
    return CompiledTurn(script, plan_due(script.events, turn.timing, rng))


def compile_stream(dialect: Dialect, turn: Turn, compiled: CompiledTurn, options: Hashable) -> CompiledStream:
    newline = "\r\n" if turn.shaping.crlf else "\n"
    rendered = dialect.render_stream(compiled.script, marker_context(turn, compiled.script, options))
    frames: list[bytes] = []
    due: list[float] = []
    faults: list[tuple[int, float, Fault]] = []
    for event, event_frames, at in zip(compiled.script.events, rendered, compiled.due, strict=True):
        if isinstance(event, FaultPoint):
            faults.append((len(frames), at, event.fault))
        elif isinstance(event, Failure):
            # Kept beside the transport faults so the journal records the error as it is sent.
            faults.append((len(frames), at, StreamError(error=event.error, message=event.message)))
        for frame in event_frames:
            frames.append(encode(frame, newline))
            due.append(at)
    groups: list[tuple[float, bytes, int]] = []
    for at, data in zip(due, frames, strict=True):
        if groups and groups[-1][0] == at:
            groups[-1] = (at, groups[-1][1] + data, groups[-1][2] + 1)
        else:
            groups.append((at, data, 1))
    duration = compiled.due[-1] if compiled.due else 0.0
    templates = tuple(Template.of(data, _MARKS) for _, data, _ in groups)
    group_due = tuple(at for at, _, _ in groups)
    return CompiledStream(
        tuple(frames),
        tuple(due),
        tuple(faults),
        tuple(groups),
        duration,
        templates,
        group_due,
        max((b - a for a, b in zip((0.0, *group_due), group_due, strict=False)), default=0.0),
    )


def cut_with_failure(compiled: CompiledTurn, cut: int, fault: StreamError) -> CompiledTurn:
    """The turn as if the API had failed at event `cut`: what came before, then its error event,
    sent right after the event before it (as `plan_due` places a scripted error)."""
    script = compiled.script
    events = (*script.events[:cut], failure_for(fault))
    due = (*compiled.due[:cut], compiled.due[cut - 1])
    return CompiledTurn(Script(events, script.output_tokens, script.reasoning_tokens), due)


def compile_body(dialect: Dialect, turn: Turn, compiled: CompiledTurn, options: Hashable) -> bytes:
    return dumps(dialect.render_body(compiled.script, marker_context(turn, compiled.script, options))).encode()


MAX_CACHE_ENTRIES = 1024
CacheKey = tuple[int, int, str, Hashable, str]


def _event_size(event: Event) -> int:
    texts = (getattr(event, f.name) for f in dataclasses.fields(event))
    return 64 + sum(len(text) for text in texts if isinstance(text, str))


def entry_size(value: object) -> int:
    """Roughly what a cached value holds, in bytes: its encoded bytes and its script's text."""
    match value:
        case bytes():
            return len(value)
        case CompiledStream():
            groups = sum(len(data) for _, data, _ in value.groups)
            templates = sum(len(t.text) + sum(len(run) for run, _ in t.runs) for t in value.templates)
            return sum(map(len, value.frames)) + groups + templates + 64 * len(value.frames)
        case CompiledTurn():
            return sum(map(_event_size, value.script.events)) + 16 * len(value.due)
        case _:
            return 64


class TurnCache:
    """Compiled turns, bounded by count and by bytes, least recently used out first; entries hold
    their scenario, so identity checks stay sound. The server thread fills it while a test's
    thread may `forget` a scenario, hence the lock."""

    def __init__(self, size: int = MAX_CACHE_ENTRIES, max_bytes: int = RENDER_CACHE_MAX_BYTES) -> None:
        self._size = size
        self._max_bytes = max_bytes
        self._bytes = 0
        self._entries: OrderedDict[CacheKey, tuple[Scenario, object, int]] = OrderedDict()
        self._keys: dict[int, set[CacheKey]] = {}
        self._lock = threading.Lock()

    def _get(self, key: CacheKey, scenario: Scenario) -> object | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] is not scenario:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def _put(self, key: CacheKey, scenario: Scenario, value: object) -> None:
        size = entry_size(value)
        with self._lock:
            self._remove(key)
            self._entries[key] = (scenario, value, size)
            self._keys.setdefault(key[0], set()).add(key)
            self._bytes += size
            while len(self._entries) > 1 and (len(self._entries) > self._size or self._bytes > self._max_bytes):
                self._remove(next(iter(self._entries)))

    def _remove(self, key: CacheKey) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        self._bytes -= entry[2]
        keys = self._keys[key[0]]
        keys.discard(key)
        if not keys:
            del self._keys[key[0]]

    def forget(self, scenario: Scenario) -> None:
        """Drop everything compiled from this scenario (a namespace that owned it was reset)."""
        with self._lock:
            for key in list(self._keys.get(id(scenario), ())):
                if self._entries[key][0] is scenario:
                    self._remove(key)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._keys.clear()
            self._bytes = 0

    @property
    def nbytes(self) -> int:
        """The bytes held now, by the cache's own estimate (see `entry_size`)."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def turn(self, scenario: Scenario, index: int) -> CompiledTurn:
        key = (id(scenario), index, "", None, "turn")
        found = self._get(key, scenario)
        if isinstance(found, CompiledTurn):
            return found
        compiled = compile_turn(scenario, index)
        self._put(key, scenario, compiled)
        return compiled

    def stream(self, scenario: Scenario, index: int, dialect: Dialect, options: Hashable) -> CompiledStream:
        key = (id(scenario), index, dialect.name, options, "stream")
        found = self._get(key, scenario)
        if isinstance(found, CompiledStream):
            return found
        compiled = compile_stream(dialect, scenario.turns[index], self.turn(scenario, index), options)
        self._put(key, scenario, compiled)
        return compiled

    def failing_stream(
        self, scenario: Scenario, index: int, dialect: Dialect, options: Hashable, cut: int, fault: StreamError
    ) -> CompiledStream:
        """A chaos variant ending in an error at event `cut`; compiled on first use and kept in
        the same bounded cache, so a seeded run renders each variant once."""
        key = (id(scenario), index, dialect.name, options, f"fail:{cut}:{fault.error}:{fault.message}")
        found = self._get(key, scenario)
        if isinstance(found, CompiledStream):
            return found
        turn = scenario.turns[index]
        compiled = compile_stream(dialect, turn, cut_with_failure(self.turn(scenario, index), cut, fault), options)
        self._put(key, scenario, compiled)
        return compiled

    def body(self, scenario: Scenario, index: int, dialect: Dialect, options: Hashable) -> bytes:
        key = (id(scenario), index, dialect.name, options, "body")
        found = self._get(key, scenario)
        if isinstance(found, bytes):
            return found
        compiled = compile_body(dialect, scenario.turns[index], self.turn(scenario, index), options)
        self._put(key, scenario, compiled)
        return compiled
