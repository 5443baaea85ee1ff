"""The scenario model: what a YAML file means once loaded, independent of any API dialect.

Everything here is frozen and computed once at load time (text chunked, Faker text generated,
tool arguments serialised), so serving a request never repeats that work.
"""

from __future__ import annotations

import enum
import fnmatch
import re
from dataclasses import dataclass, field


class StopReason(enum.StrEnum):
    """Why a turn ends, in neutral terms; each dialect maps it to its own vocabulary."""

    END = "end"
    TOOL_CALLS = "tool_calls"
    LENGTH = "length"
    CONTENT_FILTER = "content_filter"
    STOP_SEQUENCE = "stop_sequence"
    REFUSAL = "refusal"


@dataclass(frozen=True, slots=True, kw_only=True)
class Timing:
    """Pacing of a turn in seconds at speed 1; all zero means "as fast as the socket goes"."""

    ttft: float = 0.0
    tokens_per_second: float | None = None
    jitter: float = 0.0

    @property
    def gap(self) -> float:
        return 0.0 if not self.tokens_per_second else 1.0 / self.tokens_per_second


@dataclass(frozen=True, slots=True, kw_only=True)
class Usage:
    """Token counts a turn reports; `None` fields are computed from the request and the script."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    reasoning_tokens: int | None = None
    cached_tokens: int = 0
    cache_creation_tokens: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Text:
    """Assistant text, already split into the pieces the stream will carry."""

    pieces: tuple[str, ...]

    @property
    def text(self) -> str:
        return "".join(self.pieces)


@dataclass(frozen=True, slots=True, kw_only=True)
class Reasoning:
    """Model reasoning: Anthropic thinking, Responses reasoning summary, Chat `reasoning_content`."""

    pieces: tuple[str, ...]
    redacted: bool = False

    @property
    def text(self) -> str:
        return "".join(self.pieces)


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolCall:
    """A function call; `arguments` is the JSON text the client will parse, split into fragments."""

    name: str
    arguments: str
    fragments: tuple[str, ...]
    call_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Pause:
    """Silence on the wire for a scripted time."""

    seconds: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Disconnect:
    """Close the connection cleanly (FIN) with no terminator. Mid-body by default, so the HTTP
    client sees an incomplete chunked read; `graceful` ends the HTTP body properly instead, so
    only the stream's own terminator is missing and a client may take the text for complete."""

    graceful: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Reset:
    """Abort the TCP connection (RST)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Truncate:
    """Send only the first `bytes` bytes of the next frame, then close."""

    bytes: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Stall:
    """Stop sending but keep the connection open, optionally with keep-alives."""

    seconds: float
    keepalive: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Malformed:
    """Raw bytes on the wire, exactly as written."""

    data: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class InvalidJson:
    """The next frame keeps its dialect shape but its JSON is broken."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamError:
    """The dialect's own mid-stream error event, after which the stream ends as the API ends it."""

    error: str
    message: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Duplicate:
    """Send each of the next `count` frames twice."""

    count: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Reorder:
    """Swap the next two frames."""

    count: int = 2


Fault = Disconnect | Reset | Truncate | Stall | Malformed | InvalidJson | StreamError | Duplicate | Reorder
FAULT_NAMES: dict[str, type[Fault]] = {
    "disconnect": Disconnect,
    "reset": Reset,
    "truncate": Truncate,
    "stall": Stall,
    "malformed": Malformed,
    "invalid_json": InvalidJson,
    "error": StreamError,
    "duplicate": Duplicate,
    "reorder": Reorder,
}


Step = Text | Reasoning | ToolCall | Pause | Fault


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpError:
    """An error answer sent instead of the stream, with the dialect's body and real headers."""

    status: int
    retry_after: float | None = None
    message: str | None = None
    kind: str | None = None
    should_retry: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Shaping:
    """How a turn's bytes are put on the wire, independent of what they say."""

    write_bytes: int | None = None
    crlf: bool = False
    keepalive: float | None = None
    headers_delay: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Turn:
    """One assistant response: the steps it streams and how it ends."""

    steps: tuple[Step, ...]
    timing: Timing
    stop: StopReason | None = None
    stop_sequence: str | None = None
    usage: Usage = field(default_factory=Usage)
    shaping: Shaping = field(default_factory=Shaping)
    http_error: HttpError | None = None
    fail_first: tuple[HttpError, ...] = ()

    @property
    def tool_calls(self) -> tuple[ToolCall, ...]:
        return tuple(s for s in self.steps if isinstance(s, ToolCall))

    @property
    def resolved_stop(self) -> StopReason:
        if self.stop is not None:
            return self.stop
        return StopReason.TOOL_CALLS if self.tool_calls else StopReason.END


@dataclass(frozen=True, slots=True, kw_only=True)
class Match:
    """Lets a request pick a scenario without a header: a glob on `model`, a regex on the prompt."""

    model: str | None = None
    prompt: re.Pattern[str] | None = None

    def fits(self, model: str, prompt: str) -> bool:
        if self.model is not None and not fnmatch.fnmatchcase(model, self.model):
            return False
        return self.prompt is None or self.prompt.search(prompt) is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class Chaos:
    """Random faults for soak tests; the same seed gives the same faults at the same frames."""

    seed: int
    rate: float
    faults: tuple[Fault | HttpError, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    """A named script of turns; turn N answers a request whose history holds N assistant turns."""

    name: str
    turns: tuple[Turn, ...]
    description: str = ""
    match: Match | None = None
    seed: int = 0
    source: str = ""
    chaos: Chaos | None = None

    def turn_for(self, assistant_turns: int) -> tuple[int, Turn]:
        """Past the last turn, the last one repeats: a chat loop never runs out of answers."""
        index = min(max(assistant_turns, 0), len(self.turns) - 1)
        return index, self.turns[index]
