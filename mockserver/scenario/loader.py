"""YAML scenario files → Scenario objects, with every problem reported as `file:line: field: message`.

Only `yaml.SafeLoader` is used: scenario files are data, never code. Scenario names come from
file stems inside one folder, so a name a client sends is a dictionary key, never a path.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Mapping
from pathlib import Path

from mockserver.errors import Problem, ScenarioError
from mockserver.scenario import text as textgen
from mockserver.scenario.cursor import Cursor, Report, parse_document, type_name
from mockserver.scenario.model import (
    FAULT_NAMES,
    Chaos,
    Disconnect,
    Duplicate,
    Fault,
    HttpError,
    InvalidJson,
    Malformed,
    Match,
    Pause,
    Reasoning,
    Reorder,
    Reset,
    Scenario,
    Shaping,
    Stall,
    Step,
    StopReason,
    StreamError,
    Text,
    Timing,
    ToolCall,
    Truncate,
    Turn,
    Usage,
)

SCENARIO_KEYS = frozenset({"description", "match", "seed", "timing", "turns", "chaos"})
MATCH_KEYS = frozenset({"model", "prompt"})
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
STEP_ONLY_HINTS = {key: f"'{key}' is a step: put it in the turn's 'steps' list" for key in ("pause", "fault")}
TOOL_CALL_KEYS = frozenset({"name", "arguments", "id", "chunk"})
USAGE_KEYS = frozenset({"input_tokens", "output_tokens", "reasoning_tokens", "cached_tokens", "cache_creation_tokens"})
HTTP_ERROR_KEYS = frozenset({"status", "retry_after", "message", "type", "should_retry"})
CHAOS_KEYS = frozenset({"seed", "rate", "faults"})
GENERATED_TEXT_KEYS = frozenset({"faker", "tokens"})
HTTP_ERROR_STATUSES = frozenset({400, 401, 402, 403, 404, 408, 409, 413, 422, 429, 500, 502, 503, 504, 529})

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

_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, None: 1.0}


def parse_duration(text: str | int | float) -> float:
    """`250ms`, `1.5s`, `2m` or a plain number of seconds."""
    if isinstance(text, bool):
        raise ValueError(f"expected a duration like 250ms or 1.5s, got {text!r}")
    if isinstance(text, int | float):
        if text < 0:
            raise ValueError(f"a duration cannot be negative, got {text!r}")
        return float(text)
    found = _DURATION.match(text)
    if found is None:
        raise ValueError(f"expected a duration like 250ms or 1.5s, got {text!r}")
    return float(found.group(1)) * _UNIT_SECONDS[found.group(2)]


# --- small typed readers: each reports a problem and returns None on bad input -------------------


def _duration(c: Cursor) -> float | None:
    if not isinstance(c.value, str | int | float):
        c.problem(f"expected a duration like 250ms or 1.5s, got {type_name(c.value)}")
        return None
    try:
        return parse_duration(c.value)
    except ValueError as exc:
        c.problem(str(exc))
        return None


def _interval(c: Cursor) -> float | None:
    """A keep-alive period: a duration that must be above zero, or pings would never stop."""
    seconds = _duration(c)
    if seconds == 0:
        c.problem("expected a duration above zero, such as 5s")
        return None
    return seconds


def _int(c: Cursor, *, minimum: int = 0) -> int | None:
    if isinstance(c.value, bool) or not isinstance(c.value, int):
        c.problem(f"expected a whole number, got {type_name(c.value)}")
        return None
    if c.value < minimum:
        c.problem(f"expected a number >= {minimum}, got {c.value}")
        return None
    return c.value


def _number(c: Cursor, *, minimum: float = 0.0) -> float | None:
    if isinstance(c.value, bool) or not isinstance(c.value, int | float):
        c.problem(f"expected a number, got {type_name(c.value)}")
        return None
    if c.value < minimum:
        c.problem(f"expected a number >= {minimum}, got {c.value}")
        return None
    return float(c.value)


def _bool(c: Cursor) -> bool | None:
    if not isinstance(c.value, bool):
        c.problem(f"expected true or false, got {type_name(c.value)}")
        return None
    return c.value


def _string(c: Cursor) -> str | None:
    if not isinstance(c.value, str):
        c.problem(f"expected a string, got {type_name(c.value)}")
        return None
    return c.value


def _derived_seed(seed: int, where: str) -> int:
    # Each generated text gets its own stable seed, so editing one turn leaves the others' words alone.
    return zlib.crc32(f"{seed}:{where}".encode())


# --- pieces of a scenario -------------------------------------------------------------------------


def _timing(c: Cursor, base: Timing) -> Timing:
    if not c.mapping(TIMING_KEYS):
        return base
    ttft, tps, jitter = base.ttft, base.tokens_per_second, base.jitter
    if c.has("ttft"):
        ttft = _duration(c.child("ttft")) or 0.0
    if c.has("tokens_per_second"):
        value = _number(c.child("tokens_per_second"))
        if value == 0:
            c.child("tokens_per_second").problem("expected a number > 0")
        tps = value or None
    if c.has("jitter"):
        value = _number(c.child("jitter"))
        if value is not None and value > 1:
            c.child("jitter").problem(f"expected a fraction between 0 and 1, got {value}")
        jitter = min(value or 0.0, 1.0)
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
        count = _int(c.child("tokens"), minimum=1)
        return None if count is None else textgen.generate_tokens(count, _derived_seed(seed, c.where))
    if "faker" not in c.value:
        c.problem("expected a mapping with 'faker' (a provider such as paragraph) or 'tokens' (a count)")
        return None
    method = c.child("faker")
    if method.value not in textgen.FAKER_METHODS:
        method.problem(
            f"unknown Faker provider {method.value!r} (expected one of: {', '.join(sorted(textgen.FAKER_METHODS))})"
        )
        return None
    kwargs = {str(k): v for k, v in c.value.items() if k != "faker"}
    try:
        return textgen.generate(str(method.value), kwargs, _derived_seed(seed, c.where))
    except (TypeError, ValueError, AttributeError) as exc:
        c.problem(f"Faker {method.value} rejected its arguments: {exc}")
        return None


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
    name = _string(c.child("name"))
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
    call_id = _string(c.child("id")) if c.has("id") else None
    if c.has("chunk"):
        mode = _chunk_mode(c.child("chunk"))
    if name is None or arguments is None:
        return None
    fragments = textgen.chunk(arguments, mode if mode is not None and not isinstance(mode, list) else "word")
    return ToolCall(name=name, arguments=arguments, fragments=fragments, call_id=call_id)


def _fault(c: Cursor) -> Fault | None:
    """`fault: disconnect` or `fault: {truncate: 10}` / `{stall: 30s, keepalive: 5s}` / `{error: overloaded}`."""
    value = c.value
    if isinstance(value, str):
        kind, main, extras = value, None, {}
    elif isinstance(value, dict) and value:
        kinds = [k for k in value if k in FAULT_NAMES]
        if len(kinds) != 1:
            c.problem(f"expected exactly one fault name among: {', '.join(FAULT_NAMES)}")
            return None
        kind = str(kinds[0])
        main = c.child(kind)
        extras = {str(k): c.child(str(k)) for k in value if k != kind}
    else:
        c.problem(f"expected a fault name or a mapping, got {type_name(value)}")
        return None
    if kind not in FAULT_NAMES:
        import difflib

        hint = difflib.get_close_matches(kind, list(FAULT_NAMES), n=1)
        c.problem(f"unknown fault {kind!r}" + (f" (did you mean '{hint[0]}'?)" if hint else ""))
        return None
    allowed = {"stall": {"keepalive"}, "error": {"message"}}.get(kind, set())
    for key, extra in extras.items():
        if key not in allowed:
            extra.problem(f"unknown option for fault {kind}")
    match kind:
        case "disconnect":
            if main is not None and main.value != "graceful":
                main.problem("expected graceful (end the HTTP body, leave out only the stream's terminator)")
            return Disconnect(graceful=main is not None and main.value == "graceful")
        case "reset":
            return Reset()
        case "invalid_json":
            return InvalidJson()
        case "truncate":
            size = None if main is None else _int(main)
            if main is None:
                c.problem("truncate needs a byte count, e.g. {truncate: 10}")
            return None if size is None else Truncate(bytes=size)
        case "stall":
            seconds = 3600.0 if main is None else _duration(main)
            keepalive = _interval(extras["keepalive"]) if "keepalive" in extras else None
            return None if seconds is None else Stall(seconds=seconds, keepalive=keepalive)
        case "malformed":
            data = None if main is None else _string(main)
            if main is None:
                c.problem('malformed needs the raw text to send, e.g. {malformed: "data: {oops"}')
            return None if data is None else Malformed(data=data.encode("utf-8"))
        case "error":
            error = "api_error" if main is None else _string(main)
            message = _string(extras["message"]) if "message" in extras else None
            return None if error is None else StreamError(error=error, message=message)
        case "duplicate":
            count = 1 if main is None else _int(main, minimum=1)
            return None if count is None else Duplicate(count=count)
        case "reorder":
            count = 2 if main is None else _int(main, minimum=2)
            return None if count is None else Reorder(count=count)
        case _:
            return None


def _http_error(c: Cursor) -> HttpError | None:
    """`{status: 429, retry_after: 2}`, or just the status number."""
    if isinstance(c.value, int) and not isinstance(c.value, bool):
        status_c, fields = c, None
    elif c.mapping(HTTP_ERROR_KEYS):
        if not c.has("status"):
            c.problem("an http_error needs a 'status'")
            return None
        status_c, fields = c.child("status"), c
    else:
        return None
    status = _int(status_c, minimum=400)
    if status is not None and status not in HTTP_ERROR_STATUSES:
        status_c.problem(
            f"unsupported status {status} (expected one of: {', '.join(map(str, sorted(HTTP_ERROR_STATUSES)))})"
        )
        return None
    if status is None:
        return None
    retry_after = message = kind = should_retry = None
    if fields is not None:
        if fields.has("retry_after"):
            retry_after = _duration(fields.child("retry_after"))
        if fields.has("message"):
            message = _string(fields.child("message"))
        if fields.has("type"):
            kind = _string(fields.child("type"))
        if fields.has("should_retry"):
            should_retry = _bool(fields.child("should_retry"))
    return HttpError(status=status, retry_after=retry_after, message=message, kind=kind, should_retry=should_retry)


def _usage(c: Cursor) -> Usage:
    if not c.mapping(USAGE_KEYS):
        return Usage()
    values = {key: _int(c.child(key)) for key in c.field_names() if key in USAGE_KEYS}
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
            seconds = _duration(inner)
            return None if seconds is None else Pause(seconds=seconds)
        case "fault":
            return _fault(inner)
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


def _turn(c: Cursor, seed: int, base: Timing) -> Turn | None:
    if isinstance(c.value, str):
        # `- "Hello"` is the shortest turn there is: plain text.
        return Turn(steps=(Text(pieces=textgen.chunk(c.value, "word")),), timing=base)
    if not c.mapping(TURN_KEYS, STEP_ONLY_HINTS):
        return None
    mode = _chunk_mode(c.child("chunk")) if c.has("chunk") else None
    timing = _timing(c.child("timing"), base) if c.has("timing") else base
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
        shaping = _shaping(c)
    fail_first: list[HttpError] = []
    if c.has("fail_first"):
        ff = c.child("fail_first")
        if not isinstance(ff.value, list):
            ff.problem(f"expected a list of errors, got {type_name(ff.value)}")
        for item in ff.items():
            error = _http_error(item)
            if error is not None:
                fail_first.append(error)
    return Turn(
        steps=tuple(steps),
        timing=timing,
        stop=stop,
        stop_sequence=_string(c.child("stop_sequence")) if c.has("stop_sequence") else None,
        usage=_usage(c.child("usage")) if c.has("usage") else Usage(),
        shaping=shaping,
        http_error=_http_error(c.child("http_error")) if c.has("http_error") else None,
        fail_first=tuple(fail_first),
    )


def _shaping(c: Cursor) -> Shaping:
    write_bytes = None
    if c.has("write"):
        write_c = c.child("write")
        if write_c.mapping(frozenset({"bytes"})) and write_c.has("bytes"):
            write_bytes = _int(write_c.child("bytes"), minimum=1)
    crlf = False
    if c.has("line_endings"):
        value = c.child("line_endings").value
        if value not in ("lf", "crlf"):
            c.child("line_endings").problem("expected lf or crlf")
        crlf = value == "crlf"
    return Shaping(
        write_bytes=write_bytes,
        crlf=crlf,
        keepalive=_interval(c.child("keepalive")) if c.has("keepalive") else None,
        headers_delay=(_duration(c.child("headers_delay")) or 0.0) if c.has("headers_delay") else 0.0,
    )


def _chaos(c: Cursor, seed: int) -> Chaos | None:
    if not c.mapping(CHAOS_KEYS):
        return None
    rate = _number(c.child("rate")) if c.has("rate") else 0.1
    if rate is not None and rate > 1:
        c.child("rate").problem(f"expected a fraction between 0 and 1, got {rate}")
    chaos_seed = _int(c.child("seed")) if c.has("seed") else seed
    faults: list[Fault | HttpError] = []
    faults_c = c.child("faults")
    if c.has("faults") and not isinstance(faults_c.value, list):
        faults_c.problem(f"expected a list of faults, got {type_name(faults_c.value)}")
    for item in faults_c.items():
        if isinstance(item.value, dict) and "http_error" in item.value:
            error = _http_error(item.child("http_error"))
            if error is not None:
                faults.append(error)
        else:
            fault = _fault(item)
            if fault is not None:
                faults.append(fault)
    if not c.has("faults"):
        faults = [Disconnect(), Reset(), InvalidJson(), StreamError(error="overloaded"), HttpError(status=503)]
    return Chaos(seed=chaos_seed or 0, rate=min(rate or 0.0, 1.0), faults=tuple(faults))


def _scenario(root: Cursor, name: str, source: str) -> Scenario | None:
    if not root.mapping(SCENARIO_KEYS):
        return None
    seed = 0
    if root.has("seed"):
        seed = _int(root.child("seed")) or 0
    timing = _timing(root.child("timing"), Timing()) if root.has("timing") else Timing()
    match = None
    if root.has("match"):
        match_c = root.child("match")
        if match_c.mapping(MATCH_KEYS):
            model = _string(match_c.child("model")) if match_c.has("model") else None
            prompt = None
            if match_c.has("prompt"):
                pattern = _string(match_c.child("prompt"))
                try:
                    prompt = None if pattern is None else re.compile(pattern)
                except re.error as exc:
                    match_c.child("prompt").problem(f"invalid regular expression: {exc}")
            match = Match(model=model, prompt=prompt)
    turns: list[Turn] = []
    turns_c = root.child("turns")
    if not root.has("turns"):
        root.problem("a scenario needs 'turns', a list of at least one turn")
    elif not isinstance(turns_c.value, list) or not turns_c.value:
        turns_c.problem(f"expected a non-empty list of turns, got {type_name(turns_c.value)}")
    for turn_c in turns_c.items():
        turn = _turn(turn_c, seed, timing)
        if turn is not None:
            turns.append(turn)
    description = root.value.get("description") if isinstance(root.value, dict) else None
    chaos = _chaos(root.child("chaos"), seed) if root.has("chaos") else None
    if not turns:
        return None
    return Scenario(
        name=name,
        turns=tuple(turns),
        description=str(description or ""),
        match=match,
        seed=seed,
        source=source,
        chaos=chaos,
    )


# --- public entry points ---------------------------------------------------------------------------

SCENARIO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _finish(report: Report, scenario: Scenario | None) -> Scenario:
    if report.problems:
        raise ScenarioError(report.problems)
    assert scenario is not None
    return scenario


def scenario_from_text(text: str, name: str, source: str = "<inline>") -> Scenario:
    """Parse one scenario from YAML text; raises ScenarioError listing every problem."""
    report = Report(source)
    root = parse_document(text, report)
    return _finish(report, None if root is None else _scenario(root, name, source))


def chaos_from_text(text: str, source: str = "--chaos") -> Chaos:
    """Server-wide chaos from `rate=0.2,seed=1,faults=disconnect+reset+503` (the CLI form) or a
    YAML mapping as in a scenario's `chaos:`; the same validation and messages either way."""
    report = Report(source)
    spec = text.strip()
    if not spec.startswith("{"):
        parts: list[str] = []
        for item in filter(None, (p.strip() for p in spec.split(","))):
            key, sep, value = item.partition("=")
            if not sep:
                report.add(None, item, "expected key=value, such as rate=0.2 or seed=1")
                continue
            value = value.strip()
            if key.strip() == "faults":
                names = [n.strip() for n in value.split("+") if n.strip()]
                value = "[" + ", ".join(f"{{http_error: {n}}}" if n.isdigit() else n for n in names) + "]"
            parts.append(f"{key.strip()}: {value}")
        spec = "{" + ", ".join(parts) + "}"
    root = parse_document(spec, report)
    chaos = None if root is None else _chaos(root, 0)
    if report.problems:
        raise ScenarioError(report.problems)
    assert chaos is not None
    return chaos


def scenario_from_data(data: Mapping[str, object], name: str, source: str = "<inline>") -> Scenario:
    """Build a scenario from an already-parsed mapping (a dict passed to the pytest fixture)."""
    report = Report(source)
    return _finish(report, _scenario(Cursor(dict(data), None, "", report), name, source))


def load_scenario_file(path: Path) -> Scenario:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(str(path), None, "", f"cannot read: {exc}")]) from exc
    return scenario_from_text(text, path.stem, str(path))


def scenario_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def load_scenarios(directory: Path) -> dict[str, Scenario]:
    """Every `*.yaml` in the folder, keyed by file stem; all problems of all files in one error."""
    if not directory.is_dir():
        raise ScenarioError([Problem(str(directory), None, "", "not a folder of scenario files")])
    problems: list[Problem] = []
    scenarios: dict[str, Scenario] = {}
    for path in scenario_files(directory):
        if not SCENARIO_NAME.match(path.stem):
            problems.append(Problem(str(path), None, "", "a scenario file name may use letters, digits, '.', '_', '-'"))
            continue
        if path.stem in scenarios:
            problems.append(Problem(str(path), None, "", f"another file already defines scenario {path.stem!r}"))
            continue
        try:
            scenarios[path.stem] = load_scenario_file(path)
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    return scenarios
