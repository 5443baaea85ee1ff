"""A turn as written in scenario files: its steps (text, reasoning, tool calls, pauses, faults),
how its text is chunked, its stop reason, usage, timing and errors, read from YAML into the typed
model. Problems are reported at the cursor, so the loader can go on and report them all."""

from __future__ import annotations

import json
import zlib

from mockserver.scenario import text as textgen
from mockserver.scenario.cursor import Cursor, type_name
from mockserver.scenario.fault_syntax import read_fault, read_http_error, read_shaping
from mockserver.scenario.model import (
    HttpError,
    Pause,
    Reasoning,
    Shaping,
    Step,
    StopReason,
    Text,
    Timing,
    ToolCall,
    Turn,
    Usage,
)
from mockserver.scenario.readers import read_duration, read_fraction, read_int, read_number, read_string

TIMING_KEYS = frozenset({"ttft", "tokens_per_second", "jitter"})
SHORT_TURN_KEYS = frozenset({"text", "reasoning", "tool_calls", "steps", "redacted_reasoning"})
TURN_KEYS = SHORT_TURN_KEYS | frozenset(
    {
        "chunk",
        "usage",
        "stop",
        "stop_sequence",
        "timing",
        "http_error",
        "fail_first",
        "write",
        "line_endings",
        "keepalive",
        "headers_delay",
    }
)
STEP_KINDS = frozenset({"text", "reasoning", "tool_call", "pause", "fault"})
STEP_KEYS = STEP_KINDS | frozenset({"chunk", "redacted"})
STEP_ONLY_HINTS = {key: f"'{key}' is a step: put it in the turn's 'steps' list" for key in ("pause", "fault")}
TOOL_CALL_KEYS = frozenset({"name", "arguments", "id", "chunk"})
USAGE_KEYS = frozenset({"input_tokens", "output_tokens", "reasoning_tokens", "cached_tokens", "cache_creation_tokens"})

STOP_ALIASES: dict[str, StopReason] = {
    "end": StopReason.END,
    "stop": StopReason.END,
    "end_turn": StopReason.END,
    "completed": StopReason.END,
    "tool_calls": StopReason.TOOL_CALLS,
    "tool_use": StopReason.TOOL_CALLS,
    "length": StopReason.LENGTH,
    "max_tokens": StopReason.LENGTH,
    "content_filter": StopReason.CONTENT_FILTER,
    "stop_sequence": StopReason.STOP_SEQUENCE,
    "refusal": StopReason.REFUSAL,
}


def _derived_seed(seed: int, where: str) -> int:
    # Each generated text gets its own stable seed, so editing one turn leaves the others' words alone.
    return zlib.crc32(f"{seed}:{where}".encode())


# Slower than a token per 100 s or faster than a million a second is no stream anyone scripts.
MIN_RATE = 0.01
MAX_RATE = 1_000_000.0
# Counts that each cost memory per unit at load or at serve time.
MAX_GENERATED_TOKENS = 100_000
MAX_FAKER_COUNT = 10_000


def read_timing(c: Cursor, base: Timing) -> Timing:
    """A `timing:` mapping; the keys it leaves out keep the values of `base` (the scenario's timing)."""
    if not c.mapping(TIMING_KEYS):
        return base
    ttft, tps, jitter = base.ttft, base.tokens_per_second, base.jitter
    if c.has("ttft"):
        ttft = read_duration(c.child("ttft")) or 0.0
    if c.has("tokens_per_second"):
        tps = read_number(c.child("tokens_per_second"), minimum=MIN_RATE, maximum=MAX_RATE)
    if c.has("jitter"):
        jitter = read_fraction(c.child("jitter")) or 0.0
    return Timing(ttft=ttft, tokens_per_second=tps, jitter=jitter)


def _chunk_mode(c: Cursor) -> str | int | list[str] | None:
    value = c.value
    if value in ("word", "char"):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return [str(v) for v in value]
    c.problem("expected word, char, a positive size, or a list of pieces")
    return None


def _text_value(c: Cursor, seed: int) -> str | None:
    """A literal string, `{faker: paragraph, sentences: 3}`, or `{tokens: 500}`."""
    if isinstance(c.value, str):
        return c.value
    if not isinstance(c.value, dict):
        c.problem(f"expected a string or a mapping with 'faker' or 'tokens', got {type_name(c.value)}")
        return None
    if "tokens" in c.value:
        if len(c.value) > 1:
            c.problem("'tokens' takes no other keys")
        count = read_int(c.child("tokens"), minimum=1, maximum=MAX_GENERATED_TOKENS)
        return None if count is None else textgen.generate_tokens(count, _derived_seed(seed, c.where))
    if "faker" not in c.value:
        c.problem("expected a mapping with 'faker' (a provider such as paragraph) or 'tokens' (a count)")
        return None
    method = c.child("faker")
    if not isinstance(method.value, str) or method.value not in textgen.FAKER_METHODS:
        shown = repr(method.value) if isinstance(method.value, str) else type_name(method.value)
        method.problem(f"unknown Faker provider {shown} (expected one of: {', '.join(sorted(textgen.FAKER_METHODS))})")
        return None
    kwargs = _faker_arguments(c)
    if kwargs is None:
        return None
    try:
        return textgen.generate(method.value, kwargs, _derived_seed(seed, c.where))
    except Exception as exc:
        # Faker checks its own arguments, each provider in its own way and with its own errors.
        c.problem(f"Faker {method.value} rejected its arguments: {type(exc).__name__}: {exc}")
        return None


def _faker_arguments(c: Cursor) -> dict[str, object] | None:
    """A provider's arguments: counts within reach, words as non-empty lists of strings."""
    kwargs: dict[str, object] = {}
    for key in c.field_names():
        if key == "faker":
            continue
        arg = c.child(key)
        value = arg.value
        if isinstance(value, bool | str):
            kwargs[key] = value
        elif isinstance(value, int):
            number = read_int(arg, maximum=MAX_FAKER_COUNT)
            if number is None:
                return None
            kwargs[key] = number
        elif (
            isinstance(value, list)
            and value
            and len(value) <= MAX_FAKER_COUNT
            and all(isinstance(v, str) for v in value)
        ):
            kwargs[key] = list(value)
        else:
            shown = "an empty list" if value == [] else type_name(value)
            arg.problem(f"expected a count, a string, true/false or a non-empty list of words, got {shown}")
            return None
    return kwargs


def _pieces(c: Cursor, text: str, mode: str | int | list[str] | None) -> tuple[str, ...]:
    if isinstance(mode, list) and "".join(mode) != text:
        c.problem("the chunk pieces must join to exactly the text")
    return textgen.chunk(text, mode if mode is not None else "word")


def _tool_call(c: Cursor, mode: str | int | list[str] | None) -> ToolCall | None:
    if not c.mapping(TOOL_CALL_KEYS):
        return None
    if not c.has("name"):
        c.problem("a tool call needs a 'name'")
        return None
    name = read_string(c.child("name"))
    args_c = c.child("arguments")
    arguments: str | None = "{}"
    if isinstance(args_c.value, dict):
        arguments = json.dumps(args_c.value, ensure_ascii=False)
    elif isinstance(args_c.value, str):
        try:
            parsed = json.loads(args_c.value)
        except json.JSONDecodeError as exc:
            args_c.problem(f"expected a mapping or a JSON object string, the string is not JSON: {exc.msg}")
            arguments = None
        else:
            if not isinstance(parsed, dict):
                args_c.problem("expected a mapping or a JSON object string")
            arguments = args_c.value
    elif args_c.value is not None:
        args_c.problem(f"expected a mapping or a JSON object string, got {type_name(args_c.value)}")
        arguments = None
    call_id = read_string(c.child("id")) if c.has("id") else None
    if c.has("chunk"):
        mode = _chunk_mode(c.child("chunk"))
    if name is None or arguments is None:
        return None
    fragments = textgen.chunk(arguments, mode if mode is not None and not isinstance(mode, list) else "word")
    return ToolCall(name=name, arguments=arguments, fragments=fragments, call_id=call_id)


def _usage(c: Cursor) -> Usage:
    if not c.mapping(USAGE_KEYS):
        return Usage()
    values = {key: read_int(c.child(key)) for key in c.field_names() if key in USAGE_KEYS}
    return Usage(
        input_tokens=values.get("input_tokens"),
        output_tokens=values.get("output_tokens"),
        reasoning_tokens=values.get("reasoning_tokens"),
        cached_tokens=values.get("cached_tokens") or 0,
        cache_creation_tokens=values.get("cache_creation_tokens") or 0,
    )


def _step(c: Cursor, seed: int, mode: str | int | list[str] | None) -> Step | None:
    if not c.mapping(STEP_KEYS):
        return None
    kinds = [k for k in c.field_names() if k in STEP_KINDS]
    if len(kinds) != 1:
        c.problem(f"a step needs exactly one of: {', '.join(sorted(STEP_KINDS))}")
        return None
    kind = kinds[0]
    if c.has("chunk"):
        mode = _chunk_mode(c.child("chunk"))
    inner = c.child(kind)
    match kind:
        case "text" | "reasoning":
            value = _text_value(inner, seed)
            if value is None:
                return None
            pieces = _pieces(inner, value, mode)
            if kind == "text":
                return Text(pieces=pieces)
            return Reasoning(pieces=pieces, redacted=c.child("redacted").value is True)
        case "tool_call":
            return _tool_call(inner, mode)
        case "pause":
            seconds = read_duration(inner)
            return None if seconds is None else Pause(seconds=seconds)
        case "fault":
            return read_fault(inner)
        case _:
            return None


def _short_steps(c: Cursor, seed: int, mode: str | int | list[str] | None) -> list[Step]:
    """The short form: reasoning, then text, then tool calls, in the order a model emits them."""
    steps: list[Step] = []
    if c.has("reasoning"):
        value = _text_value(c.child("reasoning"), seed)
        if value is not None:
            redacted = c.child("redacted_reasoning").value is True
            steps.append(Reasoning(pieces=_pieces(c.child("reasoning"), value, mode), redacted=redacted))
    if c.has("text"):
        value = _text_value(c.child("text"), seed)
        if value is not None:
            steps.append(Text(pieces=_pieces(c.child("text"), value, mode)))
    if c.has("tool_calls"):
        calls = c.child("tool_calls")
        if not isinstance(calls.value, list):
            calls.problem(f"expected a list of tool calls, got {type_name(calls.value)}")
        for call_c in calls.items():
            call = _tool_call(call_c, mode)
            if call is not None:
                steps.append(call)
    return steps


def read_turn(c: Cursor, seed: int, base: Timing) -> Turn | None:
    """One entry of `turns:`; `seed` makes its generated text repeatable, `base` is the scenario's timing."""
    if isinstance(c.value, str):
        # `- "Hello"` is the shortest turn there is: plain text.
        return Turn(steps=(Text(pieces=textgen.chunk(c.value, "word")),), timing=base)
    if not c.mapping(TURN_KEYS, STEP_ONLY_HINTS):
        return None
    mode = _chunk_mode(c.child("chunk")) if c.has("chunk") else None
    timing = read_timing(c.child("timing"), base) if c.has("timing") else base
    steps: list[Step] = []
    if c.has("steps"):
        if any(c.has(k) for k in ("text", "reasoning", "tool_calls")):
            c.problem("use either 'steps' or the short form (text, reasoning, tool_calls), not both")
        steps_c = c.child("steps")
        if not isinstance(steps_c.value, list):
            steps_c.problem(f"expected a list of steps, got {type_name(steps_c.value)}")
        for step_c in steps_c.items():
            step = _step(step_c, seed, mode)
            if step is not None:
                steps.append(step)
    else:
        steps = _short_steps(c, seed, mode)
    stop = None
    if c.has("stop"):
        stop_c = c.child("stop")
        stop = STOP_ALIASES.get(str(stop_c.value))
        if stop is None:
            stop_c.problem(f"unknown stop reason {stop_c.value!r} (expected one of: {', '.join(STOP_ALIASES)})")
    shaping = Shaping()
    if any(c.has(k) for k in ("write", "line_endings", "keepalive", "headers_delay")):
        shaping = read_shaping(c)
    fail_first: list[HttpError] = []
    if c.has("fail_first"):
        ff = c.child("fail_first")
        if not isinstance(ff.value, list):
            ff.problem(f"expected a list of errors, got {type_name(ff.value)}")
        for item in ff.items():
            error = read_http_error(item)
            if error is not None:
                fail_first.append(error)
    return Turn(
        steps=tuple(steps),
        timing=timing,
        stop=stop,
        stop_sequence=read_string(c.child("stop_sequence")) if c.has("stop_sequence") else None,
        usage=_usage(c.child("usage")) if c.has("usage") else Usage(),
        shaping=shaping,
        http_error=read_http_error(c.child("http_error")) if c.has("http_error") else None,
        fail_first=tuple(fail_first),
    )
